"""IAM v1: Flex token validation, the call twilio-flex-token-validator makes."""
