/**
 * The default identity provider when no issuer is configured: a Cognito user pool, a public app client
 * (no secret: browsers and mobile apps) and the agent group. The authorizer verifies the pool's ID
 * tokens (their `aud` is the app client id).
 */
import { Construct } from 'constructs';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import type { TerraformResource } from 'cdktf';
import { choose, switchOf, switchResource, type Switch } from './switch';

export interface ChatUserPoolProps {
  /** Instance name: the pool is `<name>-users`, the client `<name>-web`. */
  readonly name: string;
  /** Group whose members connect as agents. */
  readonly agentGroupName: string;
  /** Let anyone sign up through the app client (otherwise administrators create users). */
  readonly selfSignUp: boolean;
  readonly deletionProtection: boolean;
  /**
   * Whether the pool exists (a plan-time switch makes each of its resources conditional).
   * @default true
   */
  readonly enabled?: Switch;
}

export class ChatUserPool extends Construct {
  readonly userPool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly agentGroup: CognitoUserGroup;
  /** Token issuer (`iss`): `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  readonly jwksUrl: string;

  constructor(scope: Construct, id: string, props: ChatUserPoolProps) {
    super(scope, id);
    const on = <T extends TerraformResource>(resource: T): T => switchResource(resource, props.enabled ?? true);
    this.userPool = on(new CognitoUserPool(this, 'pool', {
      name: `${props.name}-users`,
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      mfaConfiguration: 'OPTIONAL',
      softwareTokenMfaConfiguration: { enabled: true },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      adminCreateUserConfig: { allowAdminCreateUserOnly: choose(switchOf(props.selfSignUp), false, true) },
      deletionProtection: choose(switchOf(props.deletionProtection), 'ACTIVE', 'INACTIVE'),
    }));
    this.client = on(new CognitoUserPoolClient(this, 'client', {
      name: `${props.name}-web`,
      userPoolId: this.userPool.id,
      generateSecret: false,
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
      // Short-lived ID tokens: a token only opens a connection, which API Gateway caps at 2 hours anyway.
      idTokenValidity: 60,
      accessTokenValidity: 60,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ idToken: 'minutes', accessToken: 'minutes', refreshToken: 'days' }],
    }));
    this.agentGroup = on(new CognitoUserGroup(this, 'agents', {
      name: props.agentGroupName,
      userPoolId: this.userPool.id,
      description: 'Human agents: may list threads, take them over and answer as a human',
    }));
    this.issuer = `https://${this.userPool.endpoint}`;
    this.jwksUrl = `https://${this.userPool.endpoint}/.well-known/jwks.json`;
  }
}
