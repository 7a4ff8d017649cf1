"""Domain tree rules (services), each with a failing input."""
import pytest

from accounts.models import Account, Domain, User
from accounts.services import domains as domain_services
from cloudstack_ui.errors import InvalidParameter, NotFound, PermissionDenied, ResourceInUse
from tests.conftest import make_account


def test_fresh_install_has_root_admin_account_and_user(db):
    root = Domain.objects.get(parent=None)
    assert root.name == "ROOT" and root.path == "/" and root.full_path == "ROOT"
    admin = User.objects.get(username="admin")
    assert admin.account.name == "admin" and admin.account.type == Account.Type.ADMIN
    assert admin.account.domain == root
    assert admin.check_password("password")
    assert admin.must_change_password


def test_create_domain_builds_paths(root_admin):
    comp1 = domain_services.create_domain(root_admin, name="Comp1", network_domain="comp1.example.com")
    sales = domain_services.create_domain(root_admin, name="sales", parent=comp1)
    assert comp1.path == "/Comp1/" and comp1.level == 1 and comp1.network_domain == "comp1.example.com"
    assert sales.path == "/Comp1/sales/" and sales.full_path == "ROOT/Comp1/sales" and sales.login_path == "Comp1/sales"


@pytest.mark.parametrize("name,reason", [("", "must not be empty"), ("   ", "must not be empty"),
                                         ("a/b", "must not contain"), ("x" * 256, "at most 255")])
def test_create_domain_refuses_bad_names(root_admin, name, reason):
    with pytest.raises(InvalidParameter, match=reason) as exc:
        domain_services.create_domain(root_admin, name=name)
    assert exc.value.field == "name"
    assert Domain.objects.count() == 1


def test_domain_names_are_unique_among_siblings_only(root_admin):
    comp1 = domain_services.create_domain(root_admin, name="Comp1")
    with pytest.raises(InvalidParameter, match="already exists under ROOT") as exc:
        domain_services.create_domain(root_admin, name="comp1")
    assert exc.value.field == "name"
    other = domain_services.create_domain(root_admin, name="Other")
    domain_services.create_domain(root_admin, name="sales", parent=comp1)
    domain_services.create_domain(root_admin, name="sales", parent=other)
    assert Domain.objects.filter(name="sales").count() == 2


def test_network_domain_must_be_a_dns_name(root_admin):
    with pytest.raises(InvalidParameter, match="not a valid DNS domain name") as exc:
        domain_services.create_domain(root_admin, name="Comp1", network_domain="not a domain!")
    assert exc.value.field == "networkdomain"
    assert not Domain.objects.filter(name="Comp1").exists()


def test_rename_moves_the_whole_subtree(root_admin, tenancy):
    domain_services.update_domain(root_admin, tenancy["comp1"], name="Company1")
    tenancy["sales"].refresh_from_db()
    assert tenancy["sales"].path == "/Company1/sales/"


def test_rename_to_a_sibling_name_is_refused(root_admin, tenancy):
    with pytest.raises(InvalidParameter, match="already exists"):
        domain_services.update_domain(root_admin, tenancy["comp1"], name="Other")
    tenancy["comp1"].refresh_from_db()
    assert tenancy["comp1"].name == "Comp1"


def test_root_cannot_be_renamed_or_deleted(root_admin):
    root = Domain.objects.get(parent=None)
    with pytest.raises(InvalidParameter, match="ROOT domain cannot be renamed"):
        domain_services.update_domain(root_admin, root, name="TOP")
    with pytest.raises(InvalidParameter, match="ROOT domain cannot be deleted"):
        domain_services.delete_domain(root_admin, root, cleanup=True)


def test_non_empty_domain_is_not_deleted_without_cleanup(root_admin, tenancy):
    with pytest.raises(ResourceInUse, match="still has subdomains or accounts"):
        domain_services.delete_domain(root_admin, tenancy["comp1"])
    assert Domain.objects.filter(path__startswith="/Comp1/").count() == 2
    assert Account.objects.filter(domain__path__startswith="/Comp1/").count() == 3


def test_cleanup_removes_subdomains_accounts_and_users(root_admin, tenancy):
    domain_services.delete_domain(root_admin, tenancy["comp1"], cleanup=True)
    assert not Domain.objects.filter(path__startswith="/Comp1/").exists()
    assert not Account.objects.filter(name__in=["comp1-admin", "comp1-user", "sales-user"]).exists()
    assert not User.objects.filter(username__in=["comp1-admin", "comp1-user", "sales-user"]).exists()
    assert Domain.objects.filter(name="Other").exists()


def test_empty_domain_is_deleted(root_admin):
    empty = domain_services.create_domain(root_admin, name="Empty")
    domain_services.delete_domain(root_admin, empty)
    assert not Domain.objects.filter(pk=empty.pk).exists()


def test_cleanup_that_would_remove_the_last_root_admin_is_refused(root_admin, tenancy):
    lone = make_account(root_admin, tenancy["other"], "other-root", Account.Type.ADMIN)
    # Only other-root remains an enabled root admin once admin is disabled.
    User.objects.filter(pk=root_admin.pk).update(state=User.State.DISABLED)
    with pytest.raises(ResourceInUse, match="no enabled root admin"):
        domain_services.delete_domain(lone, tenancy["other"], cleanup=True)
    assert Domain.objects.filter(pk=tenancy["other"].pk).exists()


def test_domain_admin_manages_only_below_own_domain(tenancy):
    comp1_admin = tenancy["comp1_admin"]
    marketing = domain_services.create_domain(comp1_admin, name="marketing", parent=tenancy["comp1"])
    assert marketing.path == "/Comp1/marketing/"
    with pytest.raises(NotFound):
        domain_services.create_domain(comp1_admin, name="x", parent=tenancy["other"])
    with pytest.raises(PermissionDenied, match="own domain"):
        domain_services.update_domain(comp1_admin, tenancy["comp1"], name="Mine")
    with pytest.raises(PermissionDenied, match="own domain"):
        domain_services.delete_domain(comp1_admin, tenancy["comp1"], cleanup=True)
    with pytest.raises(NotFound):
        domain_services.delete_domain(comp1_admin, tenancy["other"])


def test_users_cannot_create_domains(tenancy):
    with pytest.raises(PermissionDenied):
        domain_services.create_domain(tenancy["sales_user"], name="x", parent=tenancy["sales"])
    assert not Domain.objects.filter(name="x").exists()
