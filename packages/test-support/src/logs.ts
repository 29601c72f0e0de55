/** What an app logged, kept in memory: a pino destination for `Fastify({ logger: { stream } })`. */

/** One pino log line (JSON). */
export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly reason?: string;
  readonly reqId?: string;
  readonly err?: { readonly type?: string; readonly message?: string; readonly code?: string };
  readonly [key: string]: unknown;
}

/** pino's level number for `warn`. */
export const WARN = 40;

/** pino's level number for `error`. */
export const ERROR = 50;

/** The lines at `warn` level or above whose message matches `pattern`. */
export function warnings(lines: readonly LogLine[], pattern: RegExp): LogLine[] {
  return lines.filter((line) => line.level >= WARN && pattern.test(line.msg ?? ''));
}

/** A log destination that keeps every line. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  /** The destination: pass it as the logger's `stream`. */
  readonly stream = {
    write: (chunk: string): void => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as LogLine);
    },
  };

  /** The plugin's own lines (`gaes: …`) since the last {@link clear}. */
  gaes(): LogLine[] {
    return this.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('gaes:'));
  }

  /** Lines at error level or above (50 = error, 60 = fatal). */
  errors(): LogLine[] {
    return this.lines.filter((l) => l.level >= ERROR);
  }

  /** The lines at `warn` level or above whose message matches `pattern`. */
  warnings(pattern: RegExp): LogLine[] {
    return warnings(this.lines, pattern);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
