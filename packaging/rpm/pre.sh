# seatunnel %pre: the static system user the services run as (rpm has no sysusers.d support in
# every release this package targets). Idempotent.
getent group seatunnel >/dev/null || groupadd --system seatunnel
getent passwd seatunnel >/dev/null ||
    useradd --system --gid seatunnel --home-dir /var/lib/seatunnel --no-create-home \
        --shell /sbin/nologin --comment "SeaTunnel (seatunnel-rs)" seatunnel
exit 0
