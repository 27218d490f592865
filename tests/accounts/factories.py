import factory
from factory.django import DjangoModelFactory

from accounts.models import Plan, Profile, User

PASSWORD = "a-long-Secret-passphrase-42"


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    access_level = "members"
    max_streams = 2
    max_height = 1080
    is_default = False


class UserFactory(DjangoModelFactory):
    """An account with a usable password (``PASSWORD``) and no profile.

    ``UserFactory(with_profile=True)`` adds one profile, as sign-up does.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"viewer{n}@example.com")
    name = ""
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def with_profile(self, create, extracted, **kwargs):
        if create and extracted:
            ProfileFactory(user=self, name=self.email.split("@")[0])
        if create:
            self.save()


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Profile {n}")
    is_kids = False
    max_maturity = 18

    class Params:
        kids = factory.Trait(is_kids=True, max_maturity=7)
