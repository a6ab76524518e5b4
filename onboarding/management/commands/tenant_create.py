import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from onboarding.services import company_signup

# the signup's field names, as this command's options
OPTIONS = {
    "company_name": "--name",
    "subdomain": "--subdomain",
    "owner_name": "--owner-name",
    "email": "--owner-email",
    "password": "--password",
}


class Command(BaseCommand):
    help = (
        "Create a company's workspace (schema, address and owner) from the command line, as the "
        "public signup does. Without --password a strong one is generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the company's name")
        parser.add_argument("--subdomain", required=True, help="the workspace's address")
        parser.add_argument("--owner-name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--password", default="", help="the owner's password")

    def handle(self, *args, **options):
        password = options["password"] or secrets.token_urlsafe(18)
        try:
            result = company_signup(
                company_name=options["name"],
                subdomain=options["subdomain"],
                owner_name=options["owner_name"],
                email=options["owner_email"],
                password=password,
            )
        except ValidationError as error:
            problems = "; ".join(
                f"{OPTIONS.get(field, field)}: {' '.join(messages)}"
                for field, messages in error.message_dict.items()
            )
            raise CommandError(f"The workspace was not created. {problems}") from error
        self.stdout.write(self.style.SUCCESS(f"Created {options['name']}: {result.tenant_url}"))
        self.stdout.write(f"Owner: {options['owner_email']}")
        if not options["password"]:
            self.stdout.write(f"Password (shown once): {password}")
