from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language, override

MAX_LINK_CHARS = 1000
_province_names: dict[str, str] = {}


def _province_name(code: str) -> str:
    """The deployment province's name, read once per process (not remembered while the table is empty)."""
    if code not in _province_names:
        from motcua.places.models import AdminUnit

        name = AdminUnit.objects.filter(code=code).values_list("name", flat=True).first()
        if name is None:
            return ""
        _province_names[code] = name
    return _province_names[code]


def language_links(request) -> list[dict]:
    """The same page in each language (English lives under /en/), for the switch and hreflang."""
    current = get_language()
    path = request.get_full_path()
    if len(path) > MAX_LINK_CHARS:  # a pasted 10 kB query is not repeated in every link
        path = request.path
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:  # a path that does not resolve (a 404): that language's home
            with override(code):
                url = reverse("portal:home")
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links


def site(request):
    return {
        "PROVINCE_CODE": settings.MOTCUA_PROVINCE_CODE,
        "PROVINCE_NAME": _province_name(settings.MOTCUA_PROVINCE_CODE),
        "LANGUAGE_LINKS": language_links(request) if request is not None else [],
    }
