#!/usr/bin/python
"""Shows a message as an Ansible warning ([WARNING]: ...) without failing or changing anything.

ansible.builtin has no such module: debug prints in the normal colour and scrolls away, and
the preflight's warnings (too few masters) are meant to be seen.
"""

DOCUMENTATION = r"""
module: seatunnel_warn
short_description: Show a message as an Ansible warning
description: Returns the message as a warning; never fails and never changes anything.
options:
  msg:
    description: The warning text.
    type: str
    required: true
author: seatunnel-rs
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"msg": {"type": "str", "required": True}},
                           supports_check_mode=True)
    module.warn(module.params["msg"])
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
