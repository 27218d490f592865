from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.utils import timezone

from vod.maturity import Maturity

from .preferences import (
    LANGUAGE_MAX_LENGTH,
    PlaybackPreferences,
    audio_language_kept,
    language_tag_canonical,
    validate_preferred_language,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class Plan(models.Model):
    """What an account may watch: access levels, streams at once, best resolution.

    Plans are assigned in the admin (billing is out of scope). An account
    without one is on the default plan.
    """

    # In increasing order: a plan unlocks its level and every level before it.
    ACCESS_LEVELS = ("free", "members", "premium")

    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    access_level = models.CharField(
        max_length=10,
        choices=[(level, level.title()) for level in ACCESS_LEVELS],
        default="free",
        help_text="The highest access level of titles this plan may play.",
    )
    max_streams = models.PositiveSmallIntegerField(
        default=1, help_text="How many videos may play at once on this account."
    )
    max_height = models.PositiveSmallIntegerField(
        default=480, help_text="The tallest rung (in lines, e.g. 1080) it may play."
    )
    max_audio_channels = models.PositiveSmallIntegerField(
        choices=[(2, "Stereo"), (6, "5.1 surround")],
        default=2,
        help_text="The most audio channels it may play: stereo, or 5.1 too.",
    )
    is_default = models.BooleanField(
        default=False, help_text="The plan of accounts that have none."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="plan_single_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def unlocks(self, access_level: str) -> bool:
        """Whether titles of ``access_level`` are included in this plan."""
        levels = self.ACCESS_LEVELS
        if access_level not in levels:
            return False
        return levels.index(access_level) <= levels.index(self.access_level)


class User(AbstractBaseUser, PermissionsMixin):
    """An account; people sign in with their email address."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Empty means the default plan.",
    )
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the editors' admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the owner followed the link mailed to this address; "
        "empty until then.",
    )
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bumped to revoke every access token of the account at once.",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Profile(models.Model):
    """Who is watching: up to five per account, each with its own progress and list.

    A kids profile only sees titles up to its maturity rating. Each profile
    says which audio and captions a new playback starts with.
    """

    MAX_PER_ACCOUNT = 5
    # A kids profile starts at 7+; other profiles see everything.
    KIDS_DEFAULT_MATURITY = Maturity.AGE_7
    ADULT_MATURITY = Maturity.AGE_18

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=50)
    is_kids = models.BooleanField(default=False)
    max_maturity = models.PositiveSmallIntegerField(
        choices=Maturity.choices,
        default=Maturity.AGE_18,
        help_text="The highest maturity rating shown (0, 7, 13, 16 or 18).",
    )
    audio_language = models.CharField(
        max_length=LANGUAGE_MAX_LENGTH,
        blank=True,
        default="",
        validators=[validate_preferred_language],
        help_text="The audio to start with, as a language tag (en, pt-BR); "
        "blank: each title's default audio.",
    )
    audio_description = models.BooleanField(
        default=False,
        help_text="Start on the audio description where a title has one.",
    )
    captions_language = models.CharField(
        max_length=LANGUAGE_MAX_LENGTH,
        blank=True,
        default="",
        validators=[validate_preferred_language],
        help_text="The subtitles to show, as a language tag; blank: captions off.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="profile_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    def clean(self) -> None:
        super().clean()
        # Only kids profiles have a maturity limit.
        if not self.is_kids:
            self.max_maturity = self.ADULT_MATURITY
        self.audio_language = language_tag_canonical(self.audio_language.strip())
        self.captions_language = language_tag_canonical(self.captions_language.strip())
        # Forms (the admin's) leave the field blank when nothing is chosen: the
        # services' rule then decides, e.g. a new kids profile hears the site's.
        if self.is_kids and not self.audio_language:
            self.audio_language = audio_language_kept(
                current="", is_kids=True, was_kids=self._was_kids()
            )

    def _was_kids(self) -> bool:
        """Whether the stored row is a kids profile (a form has changed ``self``)."""
        if self._state.adding:
            return False
        return Profile.objects.filter(pk=self.pk, is_kids=True).exists()

    @property
    def playback_preferences(self) -> PlaybackPreferences:
        """What a new playback of this profile starts with (plain values)."""
        return PlaybackPreferences(
            audio_language=self.audio_language,
            audio_description=self.audio_description,
            captions_language=self.captions_language,
        )
