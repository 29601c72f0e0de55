#!/usr/bin/env node
/**
 * `gaes-cleanup`: parse and run; everything else lives in `../cleanup-cli.ts`.
 */
import { runCleanupCli } from '../cleanup-cli.ts';
import { processIo } from '../io.ts';
import { exitWhenIdle, ignoreBrokenPipes } from './process-glue.ts';

ignoreBrokenPipes();
exitWhenIdle(await runCleanupCli(process.argv.slice(2), processIo()));
