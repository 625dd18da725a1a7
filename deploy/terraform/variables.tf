variable "name" {
  description = "Name of the IAM role, the policies and the parameter groups; also the value of the tag that marks the RDS instances the upgrade may change."
  type        = string
  default     = "pgactive-tools"
}

variable "namespace" {
  description = "Kubernetes namespace of the service account (deploy/kubernetes overlays/aws: pgactive-tools)."
  type        = string
  default     = "pgactive-tools"
}

variable "service_account" {
  description = "Kubernetes service account the pod runs as."
  type        = string
  default     = "pgactive-tools"
}

variable "oidc_provider_arn" {
  description = "ARN of the EKS cluster's IAM OIDC provider (aws_iam_openid_connect_provider)."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's OIDC issuer without https:// (oidc.eks.REGION.amazonaws.com/id/ID)."
  type        = string
  validation {
    condition     = !startswith(var.oidc_issuer, "https://")
    error_message = "oidc_issuer: give it without the https:// prefix."
  }
}

variable "secret_names" {
  description = "Names of the Secrets Manager secrets the service reads (node DSNs or RDS-managed credentials, PgBouncer admin, the guard token). Read-only access to exactly these."
  type        = list(string)
  default     = []
}

variable "secret_kms_key_arns" {
  description = "Customer-managed KMS keys that encrypt those secrets (empty for the AWS-managed key)."
  type        = list(string)
  default     = []
}

variable "iam_db_users" {
  description = "RDS IAM authentication: the database users the service connects as, by instance resource id (db-XXXX, not the identifier)."
  type = list(object({
    db_resource_id = string
    user           = string
  }))
  default = []
}

variable "upgrade_enabled" {
  description = "Grant the RDS calls of the rolling upgrade (create the target instance, parameter groups, reboot, snapshot, delete the source). Only on instances tagged with upgrade_tag_key = name."
  type        = bool
  default     = false
}

variable "upgrade_tag_key" {
  description = "Tag key that marks the RDS instances, snapshots and parameter groups the upgrade may modify or delete; its value must be var.name."
  type        = string
  default     = "pgactive-tools/managed-by"
}

variable "upgrade_identifier_prefix" {
  description = "The upgrade may create (and tag) only RDS instances and snapshots whose identifier starts with this."
  type        = string
  default     = "pgactive-"
  validation {
    condition     = length(var.upgrade_identifier_prefix) >= 3 && can(regex("^[a-z][a-z0-9-]*$", var.upgrade_identifier_prefix))
    error_message = "upgrade_identifier_prefix: at least 3 characters, lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "parameter_group_families" {
  description = "Parameter group families to create with rds.enable_pgactive = 1, one per major the upgrade goes through (source and target)."
  type        = list(string)
  default     = ["postgres16", "postgres17"]
}

variable "pgactive_max_nodes" {
  description = "pgactive.max_nodes; must be equal on every node of a group."
  type        = number
  default     = 4
}

variable "tags" {
  description = "Tags for everything this module creates."
  type        = map(string)
  default     = {}
}
