// Sign-in keeps the e-mail after a wrong password: the form remembers it for this tab only (sessionStorage),
// and the page that shows the error fills it in again and puts the cursor on the password.
(() => {
    const key = "ligbox.login.email";
    const form = document.querySelector("form[data-login]");
    if (!form) {
        sessionStorage.removeItem(key);
        return;
    }

    const email = form.querySelector("#email");
    const saved = sessionStorage.getItem(key);
    if (saved && !email.value && new URLSearchParams(location.search).has("error")) {
        email.value = saved;
        form.querySelector("#password")?.focus();
    }

    form.addEventListener("submit", () => sessionStorage.setItem(key, email.value));
})();
