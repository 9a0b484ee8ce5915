# @summary Runs the broker's service (private); restarted when the configuration changes.
#
# @api private
class mosquitto::service {
  assert_private()

  if $mosquitto::manage_service {
    if $mosquitto::limit_nofile > 0 {
      # Puppet's systemd provider reloads systemd by itself when a unit's files changed.
      $dropin_dir = $mosquitto::service_dropin_file.regsubst(/\/[^\/]+\z/, '')
      file { $dropin_dir:
        ensure => directory,
      }
      file { $mosquitto::service_dropin_file:
        ensure  => file,
        mode    => '0644',
        content => "# Managed by Puppet (module mosquitto)\n[Service]\nLimitNOFILE=${mosquitto::limit_nofile}\n",
        notify  => Service[$mosquitto::service_name],
      }
    }

    service { $mosquitto::service_name:
      ensure => $mosquitto::service_ensure,
      enable => $mosquitto::service_enable,
    }
  }
}
