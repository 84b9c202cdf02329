# Created once by arc2tf from app.arc; this file is yours: arc2tf never overwrites it.

# Settings of the staging environment. Uncomment and change what you need.

# tags = { team = "web", cost-center = "1234" }
# log_retention_days = 90
# permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"
# extra_policy_arns = ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]
# environment_variables = { LOG_LEVEL = "debug" }
# function_overrides = {
#   events-audit = { memory = 2048, reserved_concurrency = 10 }
# }
# force_destroy = true
