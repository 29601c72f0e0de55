/** The fast-check helpers, shared with the core suites: they live in @gaes/test-support (`src/fuzz.ts`). */
export * from '@gaes/test-support/fuzz';
