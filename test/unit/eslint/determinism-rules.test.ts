// The determinism lint rules of `durably/eslint`, through ESLint's RuleTester with the typescript-eslint parser
// (decorators): each rule fires in orchestrators, with its fix in the message, and stays quiet elsewhere.
import { describe, it } from '@jest/globals';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin, { rules } from '../../../src/eslint/index.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });

/** An orchestrator class around `body` (a method body), decorated like users write it. */
const orchestrator = (body: string, prelude = ''): string => `${prelude}
@Orchestrator()
class Flow {
  async run(ctx: OrchestrationContext<string>) {
    ${body}
  }
}`;
/** The same code in a plain class (not an orchestrator): no rule applies. */
const plain = (body: string, prelude = ''): string => `${prelude}
class Service {
  async run(ctx: unknown) {
    ${body}
  }
}`;
/** An orchestrator written by extending the base class, with a generator run. */
const generator = (body: string): string => `
class Flow extends DurableOrchestrator<string, string> {
  *run(ctx: OrchestrationContext<string>) {
    ${body}
  }
}`;

const rule = (name: string) => {
  const found = rules[name];
  if (found === undefined) throw new Error(`no rule ${name}`);
  return found;
};

tester.run('no-wall-clock', rule('no-wall-clock'), {
  valid: [
    orchestrator('const now = ctx.currentUtcDateTime; const later = new Date(now.getTime() + 1000);'),
    plain('const t = Date.now(); const d = new Date();'),
  ],
  invalid: [
    { code: orchestrator('const t = Date.now();'), errors: [{ message: /ctx\.currentUtcDateTime/ }] },
    { code: orchestrator('const d = new Date();'), errors: [{ message: /new Date\(\) reads the wall clock/ }] },
    { code: generator('const d = new Date();'), errors: 1 },
  ],
});

tester.run('no-random', rule('no-random'), {
  valid: [orchestrator('const id = ctx.newGuid();'), plain('const x = Math.random(); const id = crypto.randomUUID();')],
  invalid: [
    { code: orchestrator('const x = Math.random();'), errors: [{ message: /ctx\.newGuid\(\)/ }] },
    { code: orchestrator('const id = crypto.randomUUID();'), errors: [{ message: /crypto\.randomUUID\(\).*ctx\.newGuid/ }] },
    { code: orchestrator('const id = randomUUID();'), errors: 1 },
  ],
});

tester.run('no-timers', rule('no-timers'), {
  valid: [orchestrator('await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1000));'), plain('setTimeout(() => {}, 10);')],
  invalid: [
    { code: orchestrator('setTimeout(() => {}, 10);'), errors: [{ message: /ctx\.createTimer/ }] },
    { code: orchestrator('setInterval(() => {}, 10);'), errors: 1 },
    { code: orchestrator('globalThis.setImmediate(() => {});'), errors: 1 },
  ],
});

tester.run('no-io', rule('no-io'), {
  valid: [orchestrator("const page = await ctx.callActivity('Fetch', 'https://example.com');"), plain("await fetch('https://example.com');")],
  invalid: [
    { code: orchestrator("const r = fetch('https://example.com');"), errors: [{ message: /activity/ }] },
    { code: orchestrator("https.get('https://example.com');"), errors: [{ message: /https\.get\(\)/ }] },
    { code: orchestrator("axios('https://example.com');"), errors: 1 },
    { code: orchestrator("fs.readFileSync('/etc/hosts');"), errors: 1 },
  ],
});

tester.run('no-process-env', rule('no-process-env'), {
  valid: [orchestrator('const region = ctx.input;'), plain('const region = process.env.REGION;')],
  invalid: [{ code: orchestrator('const region = process.env.REGION;'), errors: [{ message: /orchestration input/ }] }],
});

tester.run('no-non-durable-await', rule('no-non-durable-await'), {
  valid: [
    orchestrator("await ctx.callActivity('A'); const t = ctx.createTimer(ctx.currentUtcDateTime); await t; await ctx.whenAll([]);"),
    orchestrator('await this.step(ctx);'),
    orchestrator("await ctx.entity(Counter, 'c1').add(5); const counter = ctx.entity(Counter, ctx.input); await counter.get();"),
    plain('await new Promise((r) => setTimeout(r, 1)); await sleep(5);'),
  ],
  invalid: [
    { code: orchestrator("const counter = somewhere.entity(Counter, 'c1'); await counter.get();"), errors: [{ message: /counter\.get\(\)/ }] },
    { code: orchestrator('await new Promise((r) => r(1));'), errors: [{ message: /a new Promise/ }] },
    { code: orchestrator('await sleep(100);'), errors: [{ message: /sleep\(\)/ }] },
    { code: orchestrator('await db.query(1);'), errors: [{ message: /db\.query\(\)/ }] },
    { code: generator('yield new Promise(() => {});'), errors: 1 },
  ],
});

tester.run('no-module-state', rule('no-module-state'), {
  valid: [
    orchestrator('let count = 0; count++;', 'let count = 0;'),
    orchestrator('const x = counter + 1;', 'let counter = 0;'),
    plain('counter++;', 'let counter = 0;'),
  ],
  invalid: [
    { code: orchestrator('counter++;', 'let counter = 0;'), errors: [{ message: /'counter'.*entity/ }] },
    { code: orchestrator('seen = ctx.input;', 'var seen = "";'), errors: 1 },
  ],
});

describe('the recommended config', () => {
  it('turns every rule on as an error under the durably/ prefix', () => {
    const configured = plugin.configs.recommended.rules ?? {};
    const names = Object.keys(rules).map((name) => `durably/${name}`).sort();
    if (JSON.stringify(Object.keys(configured).sort()) !== JSON.stringify(names)) throw new Error(`recommended config: ${JSON.stringify(configured)}`);
    if (!Object.values(configured).every((level) => level === 'error')) throw new Error('every rule should be an error');
  });
});
