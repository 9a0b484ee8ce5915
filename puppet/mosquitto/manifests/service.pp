# @summary Runs the broker's service (private); restarted when the configuration changes.
#
# @api private
class mosquitto::service {
  assert_private()

  if $mosquitto::manage_service {
    service { $mosquitto::service_name:
      ensure => $mosquitto::service_ensure,
      enable => $mosquitto::service_enable,
    }
  }
}
