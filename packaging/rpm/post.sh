# seatunnel %post: the drop-in directory, $SEATUNNEL_HOME's links into /etc and /var, and a
# systemd reload. Units are never enabled or started here ($1 is 1 on install, 2+ on upgrade).
mkdir -p /etc/seatunnel/seatunnel.d
chown root:seatunnel /etc/seatunnel /etc/seatunnel/seatunnel.d
chmod 0750 /etc/seatunnel /etc/seatunnel/seatunnel.d
for f in seatunnel.yaml seatunnel.d hazelcast.yaml hazelcast-master.yaml hazelcast-worker.yaml \
    hazelcast-client.yaml; do
    ln -sfn "/etc/seatunnel/$f" "/usr/share/seatunnel/config/$f"
done
ln -sfn /var/log/seatunnel /usr/share/seatunnel/logs
ln -sfn /run/seatunnel /usr/share/seatunnel/run
if [ -d /run/systemd/system ]; then
    systemd-tmpfiles --create seatunnel.conf >/dev/null 2>&1 || :
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -eq 1 ]; then
    echo "seatunnel is installed; neither service is enabled or started. See /usr/share/doc/seatunnel/operations.md"
fi
exit 0
