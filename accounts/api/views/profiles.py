"""The signed-in account and its profiles."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Profile

from ..serializers import (
    AccountSerializer,
    ProfileCreateSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
)
from .base import (
    ACCOUNT_TAG,
    error_responses,
)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="The signed-in account, its plan and profiles",
        responses={200: AccountSerializer, **error_responses(401)},
    )
    def get(self, request):
        return Response(
            AccountSerializer(selectors.account_detail(user=request.user)).data
        )


class ProfileListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="The account's profiles (at most 5)",
        responses={200: ProfileSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        profiles = selectors.profile_list(user=request.user)
        return Response(ProfileSerializer(profiles, many=True).data)

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Add a profile",
        description=(
            f"At most {Profile.MAX_PER_ACCOUNT} per account (400 beyond). A kids "
            "profile sees titles up to `max_maturity` (7 unless given) and hears "
            "the site's language unless `audio_language` is given."
        ),
        request=ProfileCreateSerializer,
        responses={201: ProfileSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        params = ProfileCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        profile = services.profile_create(user=request.user, **params.validated_data)
        return Response(ProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailApi(APIView):
    """One of the account's profiles; another account's is a 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="A profile",
        responses={200: ProfileSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(
            ProfileSerializer(selectors.profile_get(user=request.user, pk=pk)).data
        )

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Rename a profile, change its kids setting or its audio and "
        "captions preferences",
        request=ProfileUpdateSerializer,
        responses={200: ProfileSerializer, **error_responses(400, 401, 404)},
    )
    def patch(self, request, pk: int):
        profile = selectors.profile_get(user=request.user, pk=pk)
        params = ProfileUpdateSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        profile = services.profile_update(profile=profile, **params.validated_data)
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        tags=[ACCOUNT_TAG],
        summary="Delete a profile (not the last one) with its progress and list",
        responses={204: None, **error_responses(400, 401, 404)},
    )
    def delete(self, request, pk: int):
        profile = selectors.profile_get(user=request.user, pk=pk)
        services.profile_delete(profile=profile)
        return Response(status=status.HTTP_204_NO_CONTENT)
