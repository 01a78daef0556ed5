# Multi-stage build of the Ligbox Migration Console.
#   docker build -t ligbox-console .
#   docker run -p 8080:8080 -v ligbox-data:/data/migrations -e Ligbox__Admin__Password=... \
#     -v /etc/ligbox/dataprotection.pfx:/run/secrets/ligbox-dp.pfx:ro \
#     -e Ligbox__DataProtection__CertificatePath=/run/secrets/ligbox-dp.pfx -e Ligbox__DataProtection__CertificatePassword=... ligbox-console
# The key-ring certificate is required in Production and must not live in the data volume (README, "Key ring certificate").
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# npm fetches the browser's tus-js-client at build time (Ligbox.Console/ClientLib); without it the
# build falls back to the console's small built-in upload client.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig Ligbox.slnx ./
COPY Ligbox.Tools/Ligbox.Tools.csproj Ligbox.Tools/
COPY Ligbox.Core/Ligbox.Core.csproj Ligbox.Core/
COPY Ligbox.Migrations.PostgreSql/Ligbox.Migrations.PostgreSql.csproj Ligbox.Migrations.PostgreSql/
COPY Ligbox.Console/Ligbox.Console.csproj Ligbox.Console/ConsoleRuntime.props Ligbox.Console/
RUN dotnet restore Ligbox.Console/Ligbox.Console.csproj
COPY Ligbox.Tools/ Ligbox.Tools/
COPY Ligbox.Core/ Ligbox.Core/
COPY Ligbox.Migrations.PostgreSql/ Ligbox.Migrations.PostgreSql/
COPY Ligbox.Console/ Ligbox.Console/
RUN dotnet publish Ligbox.Console/Ligbox.Console.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The same script an operator runs on a worker host installs readpst, doveadm and imapsync.
COPY scripts/install-migration-tools.sh /tmp/install-migration-tools.sh
RUN bash /tmp/install-migration-tools.sh && rm -rf /var/lib/apt/lists/* /tmp/install-migration-tools.sh
# The image promises readpst, doveadm and imapsync: the build stops here, loudly, if any of them is missing
# (the script above already exits 1 without imapsync; this also covers a Debian package it had to skip).
RUN missing=""; for tool in readpst doveadm imapsync; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done; \
    if [ -n "$missing" ]; then echo "ERROR: the image would ship without:$missing (see install-migration-tools.sh output above)" >&2; exit 1; fi
# The PDF job report (docs/report.md) draws with DejaVu Sans: PDFsharp finds no fonts of its own on Linux.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN groupadd --system ligbox && useradd --system --gid ligbox --home-dir /app --shell /usr/sbin/nologin ligbox \
    && mkdir -p /data/migrations && chown -R ligbox:ligbox /data/migrations
WORKDIR /app
COPY --from=build /app ./
# MALLOC_ARENA_MAX: glibc reads it only from the environment at start; two arenas keep the JIT's scratch memory
# from growing arenas of their own (docs/sizing.md, "Native heap").
ENV ASPNETCORE_URLS=http://+:8080 \
    Ligbox__DataDir=/data/migrations \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    MALLOC_ARENA_MAX=2
VOLUME ["/data/migrations"]
EXPOSE 8080
USER ligbox
ENTRYPOINT ["dotnet", "Ligbox.Console.dll"]
