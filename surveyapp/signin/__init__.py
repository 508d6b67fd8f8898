"""Browser sign-in for staff, analysts and admins, and what their pages share.

For other staff pages: `csrf_field(request)` (the hidden field every state-changing form needs),
`csrf_token(request)`, `signed_in_bar(request)` and `with_bar(html, request)`, `staff_page(...)`; the guard
is `surveyapp.auth.require`, and `surveyapp.auth.identity_of(request)` says who is signed in.
"""

from surveyapp.signin.pages import bar_css, csrf_field, csrf_token, signed_in_bar, staff_page, with_bar

__all__ = ["bar_css", "csrf_field", "csrf_token", "signed_in_bar", "staff_page", "with_bar"]
