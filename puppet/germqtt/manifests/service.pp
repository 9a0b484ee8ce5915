# @summary Runs germqtt under systemd (private).
#
# Restarted when the binary, the INI, the key, known_hosts or the unit change. Puppet's systemd
# provider reloads systemd by itself when the unit file changed.
#
# @api private
class germqtt::service {
  assert_private()

  if $germqtt::manage_service {
    service { $germqtt::service_name:
      ensure => $germqtt::service_ensure,
      enable => $germqtt::service_enable,
    }
  }
}
