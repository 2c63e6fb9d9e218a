# seatunnel %postun: after an upgrade ($1 is 1 or more) restart only the running services; after
# an erase remove the links %post made. Shipped from the first release, because rpm runs the
# *old* package's %postun on upgrade.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -ge 1 ]; then
    if [ -d /run/systemd/system ]; then
        systemctl try-restart seatunnel-master.service seatunnel-worker.service >/dev/null 2>&1 || :
    fi
else
    for f in seatunnel.yaml seatunnel.d hazelcast.yaml hazelcast-master.yaml hazelcast-worker.yaml \
        hazelcast-client.yaml; do
        rm -f "/usr/share/seatunnel/config/$f"
    done
    rm -f /usr/share/seatunnel/logs /usr/share/seatunnel/run
fi
exit 0
