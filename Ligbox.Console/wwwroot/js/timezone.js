// The browser's time zone (an IANA name such as Europe/Lisbon), so the console shows dates in it until a person
// picks a zone in their profile. Written as a cookie the server reads when it renders a page.
(() => {
    try {
        const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
            return;
        }

        const current = document.cookie.split("; ").find(c => c.startsWith("ligbox.tz="));
        if (current === "ligbox.tz=" + zone) {
            return;
        }

        document.cookie = "ligbox.tz=" + zone + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    } catch {
        // No Intl support: dates stay in UTC, labelled so.
    }
})();
