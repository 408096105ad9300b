locals {
  production = var.tier == "production"
  # The tenant in AWS names, which are shorter than a slug may be (an IAM role name takes 64 characters) and
  # refuse "--" (RDS): the slug itself when it fits, else its first 31 characters and a hash.
  aws_name = length(var.slug) <= 40 && !strcontains(var.slug, "--") ? var.slug : "${trimsuffix(replace(substr(var.slug, 0, 31), "/-+/", "-"), "-")}-${substr(sha256(var.slug), 0, 8)}"
  # Postgres identifiers cannot hold hyphens.
  db_name   = "t_${replace(local.aws_name, "-", "_")}"
  namespace = "tenant-${var.slug}"
  tags      = merge(var.tags, { "tenantry.io/tenant" = var.slug, "tenantry.io/tier" = var.tier })
  db_host   = local.production ? aws_db_instance.dedicated[0].address : var.trial_host.address
  db_port   = local.production ? aws_db_instance.dedicated[0].port : var.trial_host.port
  # The pod's DATABASE_URL: in the secret and in the outputs.
  database_url = "postgres://${local.db_name}:${random_password.database.result}@${local.db_host}:${local.db_port}/${local.db_name}?sslmode=require"
}

resource "random_password" "database" {
  length  = 40
  special = false
}

# Production: a dedicated RDS Postgres instance.
resource "aws_db_instance" "dedicated" {
  count                      = local.production ? 1 : 0
  identifier                 = "tenantry-${local.aws_name}"
  engine                     = "postgres"
  engine_version             = "16"
  instance_class             = var.production_instance_class
  allocated_storage          = 20
  max_allocated_storage      = 200
  storage_encrypted          = true
  db_name                    = local.db_name
  username                   = local.db_name
  password                   = random_password.database.result
  db_subnet_group_name       = var.db_subnet_group_name
  vpc_security_group_ids     = var.db_security_group_ids
  publicly_accessible        = false
  multi_az                   = var.production_multi_az
  enabled_cloudwatch_logs_exports = var.rds_log_exports
  backup_retention_period    = 7
  auto_minor_version_upgrade = true
  # terraform destroy (tenant deletion) keeps a final snapshot, named for the instance's creation time so a
  # tenant made again under the same slug can be deleted again.
  skip_final_snapshot       = false
  final_snapshot_identifier = "tenantry-${local.aws_name}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"
  tags                      = local.tags
  lifecycle {
    ignore_changes = [final_snapshot_identifier]
  }
}

# Trial: a database and a login of its own on the shared trial host; nobody else may connect to it.
resource "postgresql_role" "trial" {
  count    = local.production ? 0 : 1
  name     = local.db_name
  login    = true
  password = random_password.database.result
  # The trial tier's limits of packages/core/src/tenant-database-limits.ts (deploy/src/terraform.test.ts checks
  # them); temp_file_limit and work_mem are the trial host's parameter group's, as this provider sets no others.
  connection_limit                    = 20
  statement_timeout                   = 30000
  idle_in_transaction_session_timeout = 60000
}

resource "postgresql_database" "trial" {
  count             = local.production ? 0 : 1
  name              = local.db_name
  owner             = postgresql_role.trial[0].name
  connection_limit  = 20
  allow_connections = true
}

resource "postgresql_grant" "trial_revoke_public" {
  count       = local.production ? 0 : 1
  database    = postgresql_database.trial[0].name
  role        = "public"
  object_type = "database"
  privileges  = []
}

# The pod's DATABASE_URL, in Secrets Manager (the driver copies it into the tenant's Kubernetes Secret).
resource "aws_secretsmanager_secret" "database" {
  name                    = "tenantry/${var.slug}/database"
  recovery_window_in_days = 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "database" {
  secret_id     = aws_secretsmanager_secret.database.id
  secret_string = jsonencode({ DATABASE_URL = local.database_url })
}

# Redis: an RBAC user of the platform's ElastiCache that reaches only the keys and channels t:<slug>:*,
# and only the commands the tenant's programs use: the rules of packages/core/src/redis-tenant-acl.ts,
# which deploy/src/terraform.test.ts checks this string against.
resource "random_password" "redis" {
  length  = 40
  special = false # it goes into a URL as is
}

resource "aws_elasticache_user" "tenant" {
  user_id       = "tenant-${local.aws_name}"
  user_name     = "tenant-${local.aws_name}"
  engine        = "REDIS"
  access_string = "on ~t:${var.slug}:* &t:${var.slug}:* -@all +auth +hello +ping +echo +quit +info +client|setname +client|getname +client|id +client|info +multi +exec +discard +watch +unwatch +evalsha +time +exists +del +unlink +type +ttl +pttl +expire +pexpire +pexpireat +persist +rename +get +set +incr +incrby +hget +hset +hmset +hmget +hgetall +hincrby +hdel +hexists +hlen +lpush +rpush +lpop +rpop +lrem +llen +lrange +ltrim +lpos +lindex +lset +rpoplpush +sadd +srem +smembers +scard +sismember +zadd +zrem +zscore +zincrby +zrange +zrangebyscore +zrangebylex +zrevrange +zrevrangebyscore +zcard +zcount +zlexcount +zremrangebyscore +zremrangebyrank +zpopmin +bzpopmin +xadd +xtrim +xdel +xlen +xrange +xrevrange +xread +xreadgroup +xack +xautoclaim +xgroup|create"
  authentication_mode {
    type      = "password"
    passwords = [random_password.redis.result]
  }
  tags = local.tags
}

# The platform's user group lists only its own users (it ignores changes to user_ids); tenants join here.
resource "aws_elasticache_user_group_association" "tenant" {
  user_group_id = var.redis_user_group_id
  user_id       = aws_elasticache_user.tenant.user_id
}

# IRSA: the tenant's service account (tenant-<slug>/tenant) may assume this role, and nothing else may.
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_provider_url}:sub"
      values   = ["system:serviceaccount:${local.namespace}:tenant"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "tenant" {
  name               = "tenantry-tenant-${local.aws_name}"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = local.tags
}

# The prefix policy: generated from the same code as the local S3 server's (packages/drivers/aws).
resource "aws_iam_role_policy" "storage" {
  name   = "storage-prefix"
  role   = aws_iam_role.tenant.id
  policy = templatefile("${path.module}/storage-policy.json.tftpl", { bucket = var.bucket, slug = var.slug })
}

# Analytics: the pod logs in to MSK with this role and may write its own topic and nothing else (the topic ARN is
# the cluster's, with :topic/ for :cluster/, and the topic name after its id).
resource "aws_iam_role_policy" "analytics" {
  name = "analytics-topic"
  role = aws_iam_role.tenant.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["kafka-cluster:Connect"], Resource = [var.kafka_cluster_arn] },
      {
        Effect   = "Allow"
        Action   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
        Resource = ["${replace(var.kafka_cluster_arn, ":cluster/", ":topic/")}/tenantry.analytics.${var.slug}"]
      },
    ]
  })
}
