import type { Rule } from 'eslint';

type Node = Rule.Node;

/** A class (declaration or expression) as ESTree/typescript-eslint gives it, with the decorators TypeScript adds. */
interface ClassLike {
  readonly type: 'ClassDeclaration' | 'ClassExpression';
  readonly superClass?: { readonly type: string; readonly name?: string; readonly property?: { readonly name?: string } } | null;
  readonly decorators?: readonly { readonly expression: { readonly type: string; readonly name?: string; readonly callee?: { readonly type: string; readonly name?: string; readonly property?: { readonly name?: string } } } }[];
}

const ORCHESTRATOR_DECORATOR = 'Orchestrator';
const ORCHESTRATOR_BASE = 'DurableOrchestrator';

function nameOf(expression: { readonly type: string; readonly name?: string; readonly property?: { readonly name?: string } } | undefined | null): string | undefined {
  if (expression == null) return undefined;
  if (expression.type === 'Identifier') return expression.name;
  if (expression.type === 'MemberExpression') return expression.property?.name;
  return undefined;
}

/** Whether a class is an orchestrator: decorated `@Orchestrator(...)` or extending `DurableOrchestrator`. */
export function isOrchestratorClass(node: ClassLike): boolean {
  if (nameOf(node.superClass) === ORCHESTRATOR_BASE) return true;
  return (node.decorators ?? []).some((decorator) => {
    const expression = decorator.expression;
    if (expression.type === 'CallExpression') return nameOf(expression.callee) === ORCHESTRATOR_DECORATOR;
    return nameOf(expression) === ORCHESTRATOR_DECORATOR;
  });
}

/**
 * Whether `node` is code of an orchestrator: inside a method (or a function nested in one) of an orchestrator class.
 * Field initializers and static blocks count too: they run on every replay.
 */
export function inOrchestrator(context: Rule.RuleContext, node: Node): boolean {
  for (const ancestor of context.sourceCode.getAncestors(node)) {
    if (ancestor.type === 'ClassDeclaration' || ancestor.type === 'ClassExpression') {
      if (isOrchestratorClass(ancestor as unknown as ClassLike)) return true;
    }
  }
  return false;
}

/** The name of the first parameter of the orchestrator method enclosing `node` (`ctx` by convention). */
export function contextParameterName(context: Rule.RuleContext, node: Node): string | undefined {
  const ancestors = context.sourceCode.getAncestors(node);
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const ancestor = ancestors[i];
    if (ancestor?.type === 'MethodDefinition') {
      const first = ancestor.value.params[0];
      return first?.type === 'Identifier' ? first.name : undefined;
    }
  }
  return undefined;
}
