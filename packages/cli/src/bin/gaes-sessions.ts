#!/usr/bin/env node
/**
 * `gaes-sessions list|end`: parse and run; everything else lives in `../sessions-cli.ts`.
 */
import { processIo } from '../io.ts';
import { runSessionsCli } from '../sessions-cli.ts';
import { exitWhenIdle, ignoreBrokenPipes } from './process-glue.ts';

ignoreBrokenPipes();
exitWhenIdle(await runSessionsCli(process.argv.slice(2), processIo()));
