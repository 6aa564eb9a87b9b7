# The chat backend verifying tokens of an identity provider you already run (Auth0, Okta, Keycloak, Entra ID,
# ...): any OpenID Connect issuer with a JSON Web Key Set.

provider "aws" {
  region = "eu-west-1"
}

module "chat" {
  source = "../.."

  name = "support-chat"

  auth_mode    = "jwt"
  jwt_issuer   = "https://login.example.com/"
  jwt_jwks_url = "https://login.example.com/.well-known/jwks.json"
  jwt_audience = ["chat-api"]
  # Auth0-style custom claims: the user id is `sub`, roles come in a namespaced claim.
  roles_claim = "https://example.com/roles"
  agent_role  = "support-agent"
}

output "websocket_url" {
  description = "Where clients connect (wss://), with an access token of the issuer."
  value       = module.chat.websocket_url
}
