output "service_account_role_arn" {
  description = "The eks.amazonaws.com/role-arn annotation of the service account (deploy/kubernetes/overlays/aws)."
  value       = aws_iam_role.service.arn
}

output "secret_arns" {
  description = "The secrets the role may read, by name."
  value       = { for name, s in data.aws_secretsmanager_secret.read : name => s.arn }
}

output "parameter_group_names" {
  description = "The pgactive parameter groups, by family."
  value       = { for family, g in aws_db_parameter_group.pgactive : family => g.name }
}
