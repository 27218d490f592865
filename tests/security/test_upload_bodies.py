"""Big request bodies: only editors' source uploads, and refused unread otherwise.

Django reads a form body as soon as the CSRF check looks for its token, before
the admin checks who is asking; a multipart body's files go to temporary disk.
So an anonymous POST of gigabytes to the admin's video page used to be read
(and spooled) in full before the login redirect. Each test here sends headers
announcing a big body over an input that records any read.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts import tokens
from accounts.models import User
from catalog.models import Video
from vod.uploads import accepts_large_body

pytestmark = pytest.mark.django_db

GIGABYTES = 5 * 1024**3
MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


class BodyRead(Exception):
    pass


class UnreadBody:
    """A request body nobody may read: reading it fails the test."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise BodyRead("the body was read")

    readline = read


def _send(client, method: str, path: str, length: int = GIGABYTES, **headers):
    body = UnreadBody()
    response = client.generic(
        method,
        path,
        CONTENT_TYPE=MULTIPART,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
        **headers,
    )
    return response, body


def _user(kind: str) -> User | None:
    if kind == "anonymous":
        return None
    user = User.objects.create_user(
        email=f"{kind}@example.com", password="x", is_staff=kind != "viewer"
    )
    if kind == "staff_without_video_permissions":
        user.user_permissions.add(Permission.objects.get(codename="view_video"))
    if kind == "editor":
        user.groups.add(Group.objects.get(name="Editors"))
    return user


def _client(kind: str, *, csrf: bool = True) -> Client:
    # Browsers' CSRF check is what reads the body: keep it on, as in production.
    client = Client(enforce_csrf_checks=csrf)
    # Anyone gets a CSRF cookie from any form page; without one the check
    # would refuse before reading.
    client.cookies["csrftoken"] = "a" * 32
    user = _user(kind)
    if user is not None:
        client.force_login(user)
    return client


OUTSIDERS = ["anonymous", "viewer", "staff_without_video_permissions"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_admin_source_upload_from_an_outsider_is_refused_unread(who):
    video = Video.objects.create()
    client = _client(who)

    for path in (
        "/admin/catalog/video/add/",
        f"/admin/catalog/video/{video.pk}/change/",
    ):
        response, body = _send(client, "POST", path)

        assert response.status_code == 403, (path, response.status_code)
        assert body.reads == 0
    assert not Video.objects.exclude(pk=video.pk).exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_an_api_source_upload_from_an_outsider_is_refused_unread(who):
    video = Video.objects.create()

    response, body = _send(_client(who), "PUT", f"/api/v1/videos/{video.uuid}/source/")

    assert response.status_code == (401 if who == "anonymous" else 403)
    assert response.json()["error"]["code"] in {
        "not_authenticated",
        "permission_denied",
    }
    assert body.reads == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/login/"),
        ("POST", "/accounts/login/"),
        ("POST", "/api/v1/auth/token/"),
        ("POST", "/api/v1/me/watchlist/"),
        ("POST", "/admin/catalog/title/add/"),
    ],
)
def test_a_big_body_anywhere_else_is_refused_unread(method, path, settings):
    response, body = _send(_client("editor"), method, path)

    assert response.status_code == 413
    assert body.reads == 0


def test_even_an_editor_cannot_send_a_source_over_the_upload_limit(settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1024**3
    video = Video.objects.create()
    client = _client("editor")

    for method, path in [
        ("POST", f"/admin/catalog/video/{video.pk}/change/"),
        ("PUT", f"/api/v1/videos/{video.uuid}/source/"),
    ]:
        response, body = _send(client, method, path, length=2 * 1024**3)

        assert response.status_code == 413
        assert body.reads == 0


def test_an_editor_reaches_the_admin_upload_page(settings):
    # A body within the limits goes on to the view (here: refused for its
    # missing CSRF token, which the view's own check reads from the body).
    client = _client("editor", csrf=False)
    response = client.post(
        "/admin/catalog/video/add/", {"movie": "", "episode": ""}, follow=False
    )

    assert response.status_code == 200
    assert b"Choose the source file to upload." in response.content


# --- Methods and credentials on the API's source route -----------------------------
# DRF's SessionAuthentication runs Django's CSRF check, which reads a POST body
# (request.POST) before the view's permissions and before its 405 (it takes PUT
# only): the route used to let any caller's big POST through to that read.


@pytest.mark.parametrize("who", OUTSIDERS + ["editor"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_big_body_on_another_method_of_the_source_route_is_refused_unread(
    who, method
):
    video = Video.objects.create()

    response, body = _send(
        _client(who),
        method,
        f"/api/v1/videos/{video.uuid}/source/",
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert body.reads == 0


def _bearer(kind: str) -> dict:
    token = tokens.token_pair_issue(user=_user(kind))["access"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("who", ["viewer", "staff_without_video_permissions"])
def test_a_bearer_source_upload_without_the_permission_is_refused_unread(who):
    video = Video.objects.create()
    path = f"/api/v1/videos/{video.uuid}/source/"

    response, body = _send(Client(), "PUT", path, **_bearer(who))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert body.reads == 0


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-token", "Bearer", "Basic eDp4", "bearer x y"]
)
def test_a_source_upload_with_bad_credentials_is_refused_unread(authorization):
    # Even beside a viewer's session: whichever authentication DRF picks, it
    # answers before the body is parsed.
    video = Video.objects.create()
    path = f"/api/v1/videos/{video.uuid}/source/"

    response, body = _send(
        _client("viewer"), "PUT", path, HTTP_AUTHORIZATION=authorization
    )

    assert response.status_code in (401, 403)
    assert body.reads == 0


def test_an_editor_with_a_bearer_token_gets_to_upload():
    video = Video.objects.create()
    path = f"/api/v1/videos/{video.uuid}/source/"

    with pytest.raises(BodyRead):
        _send(Client(), "PUT", path, **_bearer("editor"))


def test_only_put_takes_a_big_body_on_the_source_route():
    from catalog.api.urls import urlpatterns

    (route,) = [p for p in urlpatterns if p.name == "api-video-source"]
    assert route.callback.large_body.methods == {"PUT"}
    with pytest.raises(ValueError):
        accepts_large_body(methods=["POST"], permission="x", bearer=True)


# --- Bodies between the small cap and REQUEST_BODY_MAX_BYTES: staff only -----------
# The CSRF check reads a form POST's body before the admin's login check, so an
# anonymous client with a made-up csrftoken cookie used to get 24 MB parsed.

MEGABYTES_20 = 20 * 1024 * 1024


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/title/add/",
        "/admin/login/",
        "/accounts/login/",
        "/api/v1/me/watchlist/",
    ],
)
def test_more_than_the_small_cap_from_anyone_but_staff_is_refused_unread(who, path):
    response, body = _send(
        _client(who), "POST", path, length=MEGABYTES_20, HTTP_ORIGIN="http://testserver"
    )

    assert response.status_code == 413
    assert body.reads == 0
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "too_large"


def test_the_small_cap_is_a_setting(settings):
    settings.REQUEST_BODY_NON_STAFF_MAX_BYTES = 1000
    small = _send(_client("viewer"), "POST", "/accounts/login/", length=1001)

    assert small[0].status_code == 413
    assert small[1].reads == 0


def test_staff_may_send_artwork_sized_bodies(settings):
    # Past the middleware: the CSRF check reads the form (and fails the test's
    # unreadable body).
    with pytest.raises(BodyRead):
        _send(
            _client("staff_without_video_permissions"),
            "POST",
            "/admin/catalog/title/add/",
            length=MEGABYTES_20,
        )


# --- Production: no source comes through a web process -------------------------
# There the admin uploads with Uppy and tools with the direct upload API; the
# one-request source routes take small bodies only, even from editors.


def test_in_production_an_editors_source_through_the_admin_is_refused_unread(
    settings,
):
    settings.SOURCE_UPLOADS_THROUGH_WEB = False
    video = Video.objects.create()
    client = _client("editor")

    for path in (
        "/admin/catalog/video/add/",
        f"/admin/catalog/video/{video.pk}/change/",
    ):
        response, body = _send(client, "POST", path)

        assert response.status_code == 413, (path, response.status_code)
        assert body.reads == 0


def test_in_production_an_editors_source_through_the_api_is_refused_unread(
    settings,
):
    settings.SOURCE_UPLOADS_THROUGH_WEB = False
    video = Video.objects.create()
    path = f"/api/v1/videos/{video.uuid}/source/"

    session = _client("editor")
    token = tokens.token_pair_issue(user=User.objects.get())["access"]
    for client, headers in (
        (session, {}),
        (Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
    ):
        response, body = _send(client, "PUT", path, **headers)

        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"
        assert body.reads == 0


def test_in_production_the_local_part_endpoint_still_checks_its_signature_first(
    settings,
):
    # The embedded default's one exception: a signed URL, checked before a read.
    settings.SOURCE_UPLOADS_THROUGH_WEB = False
    path = "/api/v1/uploads/00000000-0000-0000-0000-000000000000/parts/1/?token=x"

    response, body = _send(Client(), "PUT", path)

    assert response.status_code == 403  # the view's answer: a bad signature
    assert response.json()["error"]["code"] != "too_large"
    assert body.reads == 0
