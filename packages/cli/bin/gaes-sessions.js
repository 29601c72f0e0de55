#!/usr/bin/env node
// The installed `gaes-sessions` command runs the built CLI. This file exists before the build, so pnpm can link the
// command in the workspace on a fresh clone (a bin pointing into dist/ cannot be linked until dist exists).
import '../dist/bin/gaes-sessions.js';
