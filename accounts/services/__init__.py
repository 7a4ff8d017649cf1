"""The only place that changes domains, accounts, users and key pairs: each
function checks the caller's scope, runs in one transaction and leaves
nothing half-done when it refuses."""
