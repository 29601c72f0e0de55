#!/usr/bin/env node
/**
 * `gaes-keys rotate|list|retire`: parse and run; everything else lives in `../keys-cli.ts`.
 */
import { processIo } from '../io.ts';
import { runKeysCli } from '../keys-cli.ts';
import { exitWhenIdle, ignoreBrokenPipes } from './process-glue.ts';

ignoreBrokenPipes();
exitWhenIdle(await runKeysCli(process.argv.slice(2), processIo()));
