"""Administrators' screens for accounts: users with their profiles, and plans.

Editors (the catalog's staff) have no permission here; see migration 0002.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.db.models import Count

from . import services
from .models import Plan, Profile, User


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "access_level",
        "max_streams",
        "max_height",
        "max_audio_channels",
        "is_default",
        "position",
        "account_count",
    )
    list_filter = ("access_level", "is_default")
    search_fields = ("name", "slug")
    ordering = ("position", "name")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["make_default"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(accounts=Count("users"))

    @admin.display(description="Accounts", ordering="accounts")
    def account_count(self, plan: Plan) -> int:
        return plan.accounts

    @admin.action(description="Make the selected plan the default")
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one plan to make default.", messages.ERROR
            )
            return
        plan = services.plan_make_default(plan=queryset.get())
        self.message_user(request, f"{plan} is now the default plan.")


class ProfileInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not self.instance.pk or not self.instance.profiles.exists():
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
        # The rule the profile_delete service enforces, with its own message.
        services.profile_delete_check(profiles_left=len(kept))

    def save(self, commit=True):
        # New profiles first, so the deletions below count them as kept.
        saved = self.save_new_objects(commit)
        return self.save_existing_objects(commit) + saved

    def delete_existing(self, obj, commit=True):
        # Through the service, under its account lock, like every other deletion.
        if commit:
            services.profile_delete(profile=obj)


class ProfileInline(admin.TabularInline):
    model = Profile
    formset = ProfileInlineFormSet
    # The preferences are checked by the model (its validators and clean()),
    # with the services' rules: the same tags, the same kids default.
    fields = (
        "name",
        "is_kids",
        "max_maturity",
        "audio_language",
        "audio_description",
        "captions_language",
        "created_at",
    )
    readonly_fields = ("created_at",)
    extra = 0
    max_num = Profile.MAX_PER_ACCOUNT


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "plan")


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": forms.EmailField}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "name", "plan", "is_staff", "is_active", "date_joined")
    list_filter = ("plan", "is_staff", "is_superuser", "is_active", "groups")
    readonly_fields = ("email_verified_at",)
    list_select_related = ("plan",)
    search_fields = ("email", "name")
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "email_verified_at", "password")}),
        ("Personal info", {"fields": ("name",)}),
        ("Plan", {"fields": ("plan",), "description": "Empty: the default plan."}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "plan",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_inlines(self, request, obj):
        # Profiles are added once the account exists.
        return self.inlines if obj is not None else []
