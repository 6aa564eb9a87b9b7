# The chat backend on your own domain: a regional API Gateway custom domain with an ACM certificate of the same
# region, and A/AAAA alias records in a Route 53 hosted zone.

provider "aws" {
  region = "eu-west-1"
}

module "chat" {
  source = "../.."

  name = "support-chat"

  domain_name     = "chat.example.com"
  certificate_arn = "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  hosted_zone_id  = "Z0123456789ABCDEFGHIJ"
}

output "websocket_url" {
  description = "wss://chat.example.com"
  value       = module.chat.websocket_custom_domain_url
}
