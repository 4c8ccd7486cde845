"""Account adapters for tests that need allauth to answer otherwise than Divan's does."""

from accounts.adapter import AccountAdapter


class ClosedSignupAdapter(AccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
