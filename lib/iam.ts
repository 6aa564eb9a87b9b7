/**
 * IAM policy documents as plain JSON strings. References to other resources (ARNs) are cdktf tokens
 * inside the strings and become Terraform interpolations (`${aws_dynamodb_table.x.arn}`), so the
 * synthesized document is readable, scannable and testable as JSON.
 */

export interface PolicyStatement {
  /** Statement id: documents why the statement exists. Alphanumeric only (IAM rule). */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly effect?: 'Allow' | 'Deny';
  readonly principals?: Readonly<Record<string, string | readonly string[]>>;
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

function one<T>(values: readonly T[]): T | readonly T[] {
  return values.length === 1 ? values[0] : values;
}

/** Renders statements as an IAM policy document (JSON string); actions and resources keep their order. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  if (statements.length === 0) throw new Error('policyDocument: a policy needs at least one statement');
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((statement) => {
      if (!/^[A-Za-z0-9]+$/.test(statement.sid)) throw new Error(`policyDocument: invalid Sid "${statement.sid}"`);
      if (statement.actions.length === 0 || statement.resources.length === 0) {
        throw new Error(`policyDocument: statement ${statement.sid} needs actions and resources`);
      }
      return {
        Sid: statement.sid,
        Effect: statement.effect ?? 'Allow',
        ...(statement.principals ? { Principal: statement.principals } : {}),
        Action: one(statement.actions),
        Resource: one(statement.resources),
        ...(statement.conditions ? { Condition: statement.conditions } : {}),
      };
    }),
  });
}

/**
 * Trust policy letting one AWS service assume a role. With `sourceAccount` (an account id, or an expression for
 * one) the service may assume it only on behalf of that account's resources (`aws:SourceAccount`): the
 * cross-service confused deputy guard.
 */
export function serviceTrustPolicy(service: string, sourceAccount?: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount === undefined ? {} : { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } }),
      },
    ],
  });
}
