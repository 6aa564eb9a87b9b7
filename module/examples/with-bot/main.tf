# The chat backend with a bot: a Lambda function subscribed to the chat's topic through the module's `bots`
# variable (it gets the user messages not under human takeover), whose role may reply through bot-reply.

provider "aws" {
  region = "eu-west-1"
}

module "chat" {
  source = "../.."

  name = "support-chat"

  bots = {
    echo = {
      function_arn  = aws_lambda_function.echo_bot.arn
      function_name = aws_lambda_function.echo_bot.function_name
    }
  }
}

# Lambda may assume the bot's role only on behalf of this account (confused deputy guard). The account id is
# read from the chat's topic ARN, which depends on no bot, rather than from aws_caller_identity (an STS call).
data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [element(split(":", module.chat.responder_topic_arn), 4)]
    }
  }
}

resource "aws_iam_role" "echo_bot" {
  name               = "support-chat-echo-bot"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

# What lets the bot reply: lambda:InvokeFunction on the chat's bot-reply function, nothing else.
resource "aws_iam_role_policy_attachment" "echo_bot_reply" {
  role       = aws_iam_role.echo_bot.name
  policy_arn = module.chat.bot_reply_invoke_policy_arn
}

resource "aws_iam_role_policy_attachment" "echo_bot_logs" {
  role       = aws_iam_role.echo_bot.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "echo_bot" {
  #checkov:skip=CKV_AWS_116: SNS invokes the bot asynchronously and keeps what it cannot deliver in the subscription's own dead-letter queue (the module's bots DLQ).
  #checkov:skip=CKV_AWS_117: The bot calls only AWS public endpoints (Lambda Invoke) with IAM; a VPC would add NAT cost and cold-start latency.
  #checkov:skip=CKV_AWS_115: An example: set reserved_concurrent_executions to what your bot's downstream services can take.
  #checkov:skip=CKV_AWS_272: An example: code signing needs an AWS Signer profile of yours.
  #checkov:skip=CKV_AWS_173: The environment holds only the bot-reply function's name, no secret.
  #checkov:skip=CKV_AWS_50: An example: turn on tracing_config with active tracing for your bot.

  function_name    = "support-chat-echo-bot"
  role             = aws_iam_role.echo_bot.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  filename         = "${path.module}/bot.zip"
  source_code_hash = filebase64sha256("${path.module}/bot.zip")
  timeout          = 30

  environment {
    variables = {
      CHAT_BOT_REPLY_FUNCTION_NAME = module.chat.bot_reply_function_name
    }
  }
}

output "websocket_url" {
  description = "Where clients connect (wss://)."
  value       = module.chat.websocket_url
}
