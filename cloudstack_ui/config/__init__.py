"""Global settings (CloudStack's "Global Settings", guide chapter 7): keys
declared in code with their type, default and description, values overridden
by operators and stored in the database."""
