from django.conf import settings


def site(request):
    return {"PROVINCE_CODE": settings.MOTCUA_PROVINCE_CODE}
