"""Page routes of the accounts app."""

from django.urls import path

from . import views, views_users

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/enrol/", views.login_enrol, name="login_enrol"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/two-factor/", views.two_factor, name="two_factor"),
    path("accounts/two-factor/recovery-codes/", views.recovery_codes_new, name="recovery_codes_new"),
    path("accounts/two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("accounts/tokens/", views.token_list, name="token_list"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/users/", views_users.user_list, name="user_list"),
    path("accounts/users/new/", views_users.user_create, name="user_create"),
    path("accounts/users/<int:pk>/", views_users.user_detail, name="user_detail"),
    path("accounts/users/<int:pk>/role/", views_users.user_change_role, name="user_change_role"),
    path("accounts/users/<int:pk>/password/", views_users.user_reset_password, name="user_reset_password"),
    path("accounts/users/<int:pk>/active/", views_users.user_set_active, name="user_set_active"),
]
