from django.contrib.auth.decorators import login_not_required
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login", login_not_required(views.LoginView.as_view()), name="login"),
    path("logout", views.logout_view, name="logout"),
    path("first-login", views.FirstLoginView.as_view(), name="first_login"),
    path("domains/", views.DomainTreeView.as_view(), name="domains"),
    path("domains/<uuid:uuid>/", views.DomainTreeView.as_view(), name="domain_detail"),
    path("domains/<uuid:uuid>/add", views.DomainCreateView.as_view(), name="domain_create"),
    path("domains/<uuid:uuid>/edit", views.DomainEditView.as_view(), name="domain_edit"),
    path("domains/<uuid:uuid>/delete", views.DomainDeleteView.as_view(), name="domain_delete"),
    path("domains/<uuid:uuid>/add-account", views.AccountCreateView.as_view(), name="account_create_in_domain"),
    path("accounts/", views.AccountListView.as_view(), name="accounts"),
    path("accounts/add", views.AccountCreateView.as_view(), name="account_create"),
    path("accounts/<uuid:uuid>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("accounts/<uuid:uuid>/edit", views.AccountEditView.as_view(), name="account_edit"),
    path("accounts/<uuid:uuid>/limits/<int:resourcetype>", views.AccountLimitView.as_view(), name="account_limit"),
    path("accounts/<uuid:uuid>/disable", views.AccountDisableView.as_view(), name="account_disable"),
    path("accounts/<uuid:uuid>/lock", views.AccountLockView.as_view(), name="account_lock"),
    path("accounts/<uuid:uuid>/enable", views.AccountEnableView.as_view(), name="account_enable"),
    path("accounts/<uuid:uuid>/delete", views.AccountDeleteView.as_view(), name="account_delete"),
    path("accounts/<uuid:uuid>/add-user", views.UserCreateView.as_view(), name="user_create"),
    path("users/<uuid:uuid>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<uuid:uuid>/edit", views.UserEditView.as_view(), name="user_edit"),
    path("users/<uuid:uuid>/password", views.ChangePasswordView.as_view(), name="user_password"),
    path("users/<uuid:uuid>/keys", views.RegisterUserKeysView.as_view(), name="user_keys"),
    path("users/<uuid:uuid>/api-access", views.UserApiAccessView.as_view(), name="user_api_access"),
    path("users/<uuid:uuid>/disable", views.UserDisableView.as_view(), name="user_disable"),
    path("users/<uuid:uuid>/lock", views.UserLockView.as_view(), name="user_lock"),
    path("users/<uuid:uuid>/enable", views.UserEnableView.as_view(), name="user_enable"),
    path("users/<uuid:uuid>/delete", views.UserDeleteView.as_view(), name="user_delete"),
    path("sshkeypairs/", views.SSHKeyPairListView.as_view(), name="sshkeypairs"),
    path("sshkeypairs/create", views.SSHKeyPairCreateView.as_view(), name="sshkeypair_create"),
    path("sshkeypairs/register", views.SSHKeyPairRegisterView.as_view(), name="sshkeypair_register"),
    path("sshkeypairs/<uuid:uuid>/delete", views.SSHKeyPairDeleteView.as_view(), name="sshkeypair_delete"),
]
