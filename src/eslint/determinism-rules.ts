import type { Rule, Scope } from 'eslint';
import { contextParameterName, inOrchestrator } from './orchestrator-scope.js';

type Node = Rule.Node;

const docs = (description: string): Rule.RuleMetaData => ({
  type: 'problem',
  docs: { description },
  schema: [],
  messages: {},
});

function rule(description: string, messages: Record<string, string>, create: (context: Rule.RuleContext) => Rule.RuleListener): Rule.RuleModule {
  return { meta: { ...docs(description), messages }, create };
}

function calleeName(callee: Node | { type: string }): { object?: string; property?: string; name?: string } {
  const c = callee as { type: string; name?: string; object?: { type: string; name?: string }; property?: { type: string; name?: string } };
  if (c.type === 'Identifier') return { name: c.name };
  if (c.type === 'MemberExpression') {
    return { object: c.object?.type === 'Identifier' ? c.object.name : c.object?.type === 'ThisExpression' ? 'this' : undefined, property: c.property?.name };
  }
  return {};
}

/** `Date.now()` and `new Date()` without arguments read the wall clock, which differs on every replay. */
export const noWallClock = rule(
  'Disallow reading the wall clock in orchestrators (Date.now(), new Date() without arguments).',
  { clock: "{{what}} reads the wall clock, which is different on every replay. Use ctx.currentUtcDateTime (the time recorded in history)." },
  (context) => ({
    CallExpression(node) {
      const { object, property } = calleeName(node.callee);
      if (object === 'Date' && property === 'now' && inOrchestrator(context, node)) context.report({ node, messageId: 'clock', data: { what: 'Date.now()' } });
    },
    NewExpression(node) {
      const { name } = calleeName(node.callee);
      if (name === 'Date' && node.arguments.length === 0 && inOrchestrator(context, node)) context.report({ node, messageId: 'clock', data: { what: 'new Date()' } });
    },
  }),
);

/** Randomness differs on every replay. */
export const noRandom = rule(
  'Disallow randomness in orchestrators (Math.random, crypto.randomUUID, uuid()).',
  {
    random: 'Math.random() returns something else on every replay. Use ctx.newGuid() for unique values, or compute random values in an activity.',
    uuid: '{{what}} returns a new value on every replay. Use ctx.newGuid() (the same GUID on every replay).',
  },
  (context) => ({
    CallExpression(node) {
      const { object, property, name } = calleeName(node.callee);
      if (!inOrchestrator(context, node)) return;
      if (object === 'Math' && property === 'random') context.report({ node, messageId: 'random' });
      else if (property === 'randomUUID' || property === 'randomBytes' || name === 'randomUUID' || name === 'randomBytes' || name === 'uuid' || name === 'uuidv4' || name === 'v4') {
        context.report({ node, messageId: 'uuid', data: { what: `${name ?? `${object ?? ''}.${property ?? ''}`}()` } });
      }
    },
  }),
);

const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate']);

/** Timers do not survive replay or a restart. */
export const noTimers = rule(
  'Disallow setTimeout, setInterval and setImmediate in orchestrators.',
  { timer: '{{name}} is not durable: it is lost on a restart and runs again on every replay. Use ctx.createTimer(fireAt) (a durable timer).' },
  (context) => ({
    CallExpression(node) {
      const { name, property } = calleeName(node.callee);
      const timer = name ?? property;
      if (timer !== undefined && TIMERS.has(timer) && inOrchestrator(context, node)) context.report({ node, messageId: 'timer', data: { name: timer } });
    },
  }),
);

const IO_OBJECTS = new Set(['http', 'https', 'axios', 'fs', 'net', 'got', 'superagent', 'undici']);

/** I/O runs again on every replay and makes the orchestrator depend on the outside world. */
export const noIo = rule(
  'Disallow I/O in orchestrators (fetch, http/https, axios, fs, ...).',
  { io: '{{what}} does I/O in an orchestrator: it runs again on every replay and its result is not recorded. Move it into an activity and call it with ctx.callActivity.' },
  (context) => ({
    CallExpression(node) {
      const { name, object, property } = calleeName(node.callee);
      if (!inOrchestrator(context, node)) return;
      if (name === 'fetch') context.report({ node, messageId: 'io', data: { what: 'fetch()' } });
      else if (object !== undefined && IO_OBJECTS.has(object)) context.report({ node, messageId: 'io', data: { what: `${object}.${property ?? ''}()` } });
      else if (name !== undefined && IO_OBJECTS.has(name)) context.report({ node, messageId: 'io', data: { what: `${name}()` } });
    },
  }),
);

/** Configuration read from the environment may differ between the first run and a replay on another worker. */
export const noProcessEnv = rule(
  'Disallow process.env in orchestrators.',
  { env: 'process.env may differ between the run and a replay (another worker, a redeploy). Pass configuration as the orchestration input, or read it in an activity.' },
  (context) => ({
    MemberExpression(node) {
      const object = node.object as { type: string; name?: string };
      const property = node.property as { type: string; name?: string };
      if (object.type === 'Identifier' && object.name === 'process' && property.name === 'env' && inOrchestrator(context, node)) {
        context.report({ node, messageId: 'env' });
      }
    },
  }),
);

type Expression = { type: string; name?: string; callee?: Expression; object?: Expression; property?: Expression; init?: Expression | null };

/** `ctx.entity(...)`: the typed entity proxy, whose operation methods return durable tasks. */
function isEntityProxyCreation(expression: Expression | null | undefined, ctxName: string): boolean {
  const callee = expression?.type === 'CallExpression' ? expression.callee : undefined;
  return callee?.type === 'MemberExpression' && callee.object?.type === 'Identifier' && callee.object.name === ctxName && callee.property?.name === 'entity';
}

/**
 * `ctx.entity(C, key).add(5)`, or `counter.add(5)` where `counter` is a variable initialized with `ctx.entity(...)`:
 * an entity call, a durable task.
 */
function isEntityProxyCall(context: Rule.RuleContext, node: Node, callee: Expression, ctxName: string): boolean {
  if (callee.type !== 'MemberExpression') return false;
  const object = callee.object;
  if (isEntityProxyCreation(object, ctxName)) return true;
  if (object?.type !== 'Identifier' || object.name === undefined) return false;
  for (let scope: Scope.Scope | null = context.sourceCode.getScope(node); scope !== null; scope = scope.upper) {
    const variable = scope.set.get(object.name);
    if (variable === undefined) continue;
    return variable.defs.some((def) => def.type === 'Variable' && isEntityProxyCreation((def.node as Expression).init, ctxName));
  }
  return false;
}

/**
 * `await` of something that is not a durable task: a `new Promise(...)`, or a call of a free function or of another
 * object's method (not `ctx.*`, not `this.*` helpers that return tasks, not the operations of a `ctx.entity(...)`
 * proxy). Awaited identifiers are allowed (they usually hold tasks). The runtime detects the mistake too (NonDurableAwaitError); this catches it at edit time.
 */
export const noNonDurableAwait = rule(
  'Disallow awaiting something that is not a durable task in orchestrators.',
  { await: 'Awaiting {{what}} in an orchestrator: only durable tasks (ctx.callActivity, ctx.createTimer, ctx.waitForExternalEvent, ctx.whenAll, ...) may be awaited; anything else is not recorded and breaks replay. Move the work into an activity.' },
  (context) => ({
    AwaitExpression(node) {
      if (!inOrchestrator(context, node)) return;
      const argument = node.argument as Node;
      if (argument.type === 'NewExpression') {
        context.report({ node, messageId: 'await', data: { what: 'a new Promise' } });
        return;
      }
      if (argument.type !== 'CallExpression') return;
      const ctxName = contextParameterName(context, node) ?? 'ctx';
      const { name, object, property } = calleeName(argument.callee);
      if (object === ctxName || object === 'this') return;
      if (isEntityProxyCall(context, node, argument.callee, ctxName)) return;
      if (name === ctxName) return;
      const what = name !== undefined ? `${name}()` : `${object ?? '(expression)'}.${property ?? ''}()`;
      context.report({ node, messageId: 'await', data: { what } });
    },
    YieldExpression(node) {
      if (!inOrchestrator(context, node) || node.argument == null) return;
      const argument = node.argument as Node;
      if (argument.type === 'NewExpression') context.report({ node, messageId: 'await', data: { what: 'a new Promise' } });
    },
  }),
);

/** Module-level mutable state survives between replays and instances in one process, and not across processes. */
export const noModuleState = rule(
  'Disallow writing module-level variables from orchestrators.',
  { state: "Orchestrator code writes the module-level variable '{{name}}': its value is shared by every instance in this process, survives replays and differs between processes. Keep state in local variables (rebuilt by replay), or in an entity." },
  (context) => {
    const moduleVariables = new Set<string>();
    const report = (node: Node, target: { type: string; name?: string } | null | undefined): void => {
      if (target?.type !== 'Identifier' || target.name === undefined) return;
      if (!moduleVariables.has(target.name) || !inOrchestrator(context, node)) return;
      // Only when the name resolves to the module-level variable (not a shadowing local).
      const scope = context.sourceCode.getScope(node);
      let current: typeof scope | null = scope;
      while (current !== null) {
        const variable = current.set.get(target.name);
        if (variable !== undefined) {
          if (current.type === 'module' || current.type === 'global') context.report({ node, messageId: 'state', data: { name: target.name } });
          return;
        }
        current = current.upper;
      }
    };
    return {
      Program(program) {
        for (const statement of program.body) {
          if (statement.type === 'VariableDeclaration' && statement.kind !== 'const') {
            for (const declarator of statement.declarations) if (declarator.id.type === 'Identifier') moduleVariables.add(declarator.id.name);
          }
        }
      },
      AssignmentExpression(node) {
        report(node, node.left);
      },
      UpdateExpression(node) {
        report(node, node.argument);
      },
    };
  },
);
