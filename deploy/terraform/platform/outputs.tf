# Everything the tenant root (deploy/terraform/tenant) and the charts need, as one object:
#   terraform output -json tenant_platform > ../tenant/platform.auto.tfvars.json (wrapped as { "platform": ... })
output "tenant_platform" {
  value = {
    bucket                = aws_s3_bucket.tenant_data.bucket
    eks_oidc_provider_arn = module.eks.oidc_provider_arn
    eks_oidc_provider_url = module.eks.oidc_provider
    db_subnet_group_name  = aws_db_subnet_group.databases.name
    db_security_group_ids = [aws_security_group.data.id]
    trial_host            = { address = aws_db_instance.trial.address, port = aws_db_instance.trial.port }
    trial_admin_secret    = aws_secretsmanager_secret.trial_admin.arn
    kafka_cluster_arn     = aws_msk_serverless_cluster.analytics.arn
    redis = {
      address       = aws_elasticache_replication_group.redis.primary_endpoint_address
      port          = aws_elasticache_replication_group.redis.port
      user_group_id = aws_elasticache_user_group.redis.user_group_id
    }
  }
}

output "cluster_name" { value = module.eks.cluster_name }
output "redis_endpoint" { value = aws_elasticache_replication_group.redis.primary_endpoint_address }
output "redis_admin_secret_arn" { value = aws_secretsmanager_secret.redis_admin.arn }
output "kafka_cluster_arn" { value = aws_msk_serverless_cluster.analytics.arn }
output "keyspace" { value = aws_keyspaces_keyspace.analytics.name }
output "analytics_store_secret_arn" { value = aws_secretsmanager_secret.analytics_store.arn }
output "certificate_arn" { value = aws_acm_certificate_validation.wildcard.certificate_arn }
