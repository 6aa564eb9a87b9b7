# The whole chat backend with its own Cognito user pool (the module's default auth_mode): users sign in to
# the pool, members of its chat-agent group can take conversations over from the bot.

provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      team = "support"
    }
  }
}

module "chat" {
  source = "../.."

  name                   = "support-chat"
  message_retention_days = 30
  cognito_self_sign_up   = true

  tags = {
    cost-center = "cx-42"
  }
}

output "websocket_url" {
  description = "Where clients connect (wss://), with an ID token of the pool."
  value       = module.chat.websocket_url
}

output "cognito_user_pool_id" {
  description = "The pool the chat users sign in to."
  value       = module.chat.cognito_user_pool_id
}

output "cognito_user_pool_client_id" {
  description = "The app client the web and mobile clients use."
  value       = module.chat.cognito_user_pool_client_id
}
