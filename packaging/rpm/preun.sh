# seatunnel %preun: on erase ($1 is 0) stop and disable both services; on upgrade nothing (the
# old package's %postun restarts the running ones).
if [ "$1" -eq 0 ]; then
    if [ -d /run/systemd/system ]; then
        systemctl --no-reload disable --now seatunnel-master.service seatunnel-worker.service >/dev/null 2>&1 || :
    else
        systemctl --no-reload disable seatunnel-master.service seatunnel-worker.service >/dev/null 2>&1 || :
    fi
fi
exit 0
