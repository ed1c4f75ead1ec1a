// Lets a child `node` process run the TypeScript sources directly, the way Jest does with @swc/jest:
// node --import ./test/harness/report/support/register-ts.mjs some-script.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
