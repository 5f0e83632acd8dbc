"""Steps a person takes on the shop, shared by the browser tests (and by flows added later)."""
import io

from PIL import Image
from playwright.sync_api import expect


def header(tab):
    """The site's header: brand, links, the account and the sign-out button."""
    return tab.page.locator("header.site-header")


def sign_in_through_the_form(tab, username, password, status=200):
    """On the sign-in page: type the credentials and press Sign in."""
    tab.page.get_by_label("Username").fill(username)
    tab.page.get_by_label("Password").fill(password)
    return tab.follow(tab.page.get_by_role("button", name="Sign in"), status=status)


def png_file(name="picture.png", size=(64, 64), colour=(47, 91, 234)):
    """A real PNG, as Playwright's set_input_files() takes a file to upload."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def image_width_shown(locator):
    """The natural width of a loaded <img>, 0 when the browser could not fetch or decode it."""
    return locator.evaluate("image => image.complete ? image.naturalWidth : 0")


def give_a_profile_with_an_avatar(tab, user):
    """Signed in, open the profile from the header, fill it with a picture, save; the header
    then shows the display name and the page the picture. Returns the picture's address."""
    page = tab.page
    tab.sign_in_as(user)
    tab.open("/")
    tab.follow(header(tab).get_by_role("link", name=user.username))

    page.get_by_label("Display name").fill("Ada L.")
    page.get_by_label("Bio").fill("Counts things.")
    page.get_by_label("Avatar").set_input_files(files=[png_file("me.png", size=(64, 64))])
    tab.follow(page.get_by_role("button", name="Save"))

    expect(page.locator(".messages")).to_contain_text("Your profile is saved.")
    expect(header(tab).get_by_role("link", name="Ada L.")).to_be_visible()
    avatar = page.locator("img.avatar")
    expect(avatar).to_be_visible()
    assert image_width_shown(avatar) == 64, "the stored picture is served"
    return avatar.get_attribute("src")
