"""The rating scale: a title's maturity rating and a profile's limit.

The catalog rates titles on it and accounts cap kids profiles with it; both
import it from here, so neither imports the other.
"""

from django.db import models


class Maturity(models.IntegerChoices):
    ALL = 0, "All ages"
    AGE_7 = 7, "7+"
    AGE_13 = 13, "13+"
    AGE_16 = 16, "16+"
    AGE_18 = 18, "18+"
