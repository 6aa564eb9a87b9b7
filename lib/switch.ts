/**
 * Optional parts of the deployment (the authorizer, a created user pool, a custom domain and its records, the
 * account logging role, the statements of a customer key). In a cdktf stack a part is decided at synth: a
 * boolean, and the part is built or not. In the Terraform module (lib/module/) the same construct code runs
 * with the module's variables as props, and a part is decided at plan time: a Terraform expression, and the
 * part's resources get `count = <expression> ? 1 : 0`, while every reference to them reads
 * `one(<address>[*].<attribute>)` (null when the part is off).
 */
import { Fn, Op, Token, Tokenization, TerraformStack, type IResolvable, type TerraformResource } from 'cdktf';
import { ref } from 'cdktf/lib/tfExpression';

/** On, off, or decided by Terraform at plan time (a boolean expression). */
export type Switch = boolean | IResolvable;

function isUnresolved(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/** On when a value is given: a literal is, `undefined`/`null` is not, a token is when Terraform finds it not null. */
export function given(value: unknown): Switch {
  if (value === undefined || value === null) return false;
  return isUnresolved(value) ? Op.neq(value, Token.nullValue()) : true;
}

/** A boolean prop as a switch (a token, e.g. a module variable's, stays a plan-time decision). */
export function switchOf(value: unknown): Switch {
  if (typeof value === 'boolean') return value;
  if (Tokenization.isResolvable(value) || isUnresolved(value)) return Token.asAny(value) as IResolvable;
  return false;
}

/** On when every switch is. */
export function allOn(...switches: Switch[]): Switch {
  if (switches.some((s) => s === false)) return false;
  const open = switches.filter((s): s is IResolvable => s !== true);
  return open.length === 0 ? true : open.slice(1).reduce<IResolvable>((left, right) => Op.and(left, right), open[0]);
}

/** Whether a switch is decided at plan time. */
export function isPlanTime(on: Switch): on is IResolvable {
  return typeof on !== 'boolean';
}

/** `ifOn` or `ifOff`: picked now for a decided switch, a Terraform conditional otherwise. */
export function choose<T>(on: Switch, ifOn: T, ifOff: T): T {
  if (on === true) return ifOn;
  if (on === false) return ifOff;
  return Fn.conditional(on, ifOn as never, ifOff as never) as T;
}

/** Makes a resource exist only when `on` is (a plan-time switch: `count`, and `one(...[*])` references). */
export function switchResource<T extends TerraformResource>(resource: T, on: Switch): T {
  if (!isPlanTime(on)) return resource;
  resource.count = Token.asNumber(Fn.conditional(on, 1, 0));
  const stack = TerraformStack.of(resource);
  const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
  (resource as unknown as { interpolationForAttribute(attribute: string): IResolvable }).interpolationForAttribute = (attribute) =>
    Fn.one(ref(`${address}[*].${attribute}`, stack) as never) as IResolvable;
  return resource;
}

/**
 * Makes a resource created with `forEach` read its own instance where it is referenced from the same
 * `for_each` (`<address>[each.key].<attribute>`): resources of one iteration refer to each other.
 */
export function perEachKey<T extends TerraformResource>(resource: T): T {
  const stack = TerraformStack.of(resource);
  const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
  (resource as unknown as { interpolationForAttribute(attribute: string): IResolvable }).interpolationForAttribute = (attribute) =>
    ref(`${address}[each.key].${attribute}`, stack) as IResolvable;
  return resource;
}
