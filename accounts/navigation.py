from cloudstack_ui.ui.navigation import ORDER, NavItem, register

register(
    NavItem("SSH Key Pairs", "accounts:sshkeypairs", "key", ORDER["sshkeypairs"], command="listSSHKeyPairs"),
    NavItem("Accounts", "accounts:accounts", "people", ORDER["accounts"], command="listAccounts", admin_only=True),
    NavItem("Domains", "accounts:domains", "diagram-3", ORDER["domains"], command="listDomains", admin_only=True),
)
