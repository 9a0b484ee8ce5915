# @summary Writes the SSH key, known_hosts, the INI and the systemd unit (private).
#
# @api private
class germqtt::config {
  assert_private()

  file { $germqtt::config_dir:
    ensure => directory,
    owner  => 'root',
    group  => $germqtt::group,
    mode   => '0750',
  }

  # OpenSSH and SSH.NET want the key's last line ended.
  $key = $germqtt::gerrit_ssh_key.unwrap
  file { $germqtt::key_file:
    ensure    => file,
    owner     => $germqtt::user,
    group     => $germqtt::group,
    mode      => '0600',
    show_diff => false,
    backup    => false, # no copies of the key in a filebucket, whatever the site's File defaults
    content   => Sensitive($key.regsubst(/\n*\z/, "\n")),
  }

  # known_hosts names the host as "[host]:port" unless the port is ssh's own.
  $host_pattern = $germqtt::gerrit_port ? {
    22      => $germqtt::gerrit_hostname,
    default => "[${germqtt::gerrit_hostname}]:${germqtt::gerrit_port}",
  }
  $host_keys = [$germqtt::gerrit_host_key].flatten
  file { $germqtt::known_hosts_file:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => $host_keys.map |$k| { "${host_pattern} ${k}\n" }.join,
  }

  # The state file's directory, for the unit (ReadWritePaths= unless it is the StateDirectory).
  $state_dir = $germqtt::state_file ? {
    false   => undef,
    default => $germqtt::state_file.regsubst(/\/[^\/]*\z/, '').regsubst(/\A\z/, '/'),
  }
  # The unit's StateDirectory appears at the first start, but the INI check before it looks for
  # the directory already. When it is the user's home, germqtt::user has made it.
  if $state_dir == '/var/lib/germqtt' and !($germqtt::manage_user and $germqtt::user_home == $state_dir) {
    file { $state_dir:
      ensure => directory,
      owner  => $germqtt::user,
      group  => $germqtt::group,
      mode   => '0750',
      before => File[$germqtt::config_file],
    }
  }

  $ini = epp('germqtt/germqtt.ini.epp', {
      'pidfile'                      => $germqtt::pidfile,
      'buffer_size'                  => $germqtt::buffer_size,
      'drain_timeout'                => $germqtt::drain_timeout,
      'stats_interval'               => $germqtt::stats_interval,
      'state_file'                   => $germqtt::state_file ? { false => undef, default => $germqtt::state_file },
      'gerrit_username'              => $germqtt::gerrit_username,
      'gerrit_hostname'              => $germqtt::gerrit_hostname,
      'gerrit_port'                  => $germqtt::gerrit_port,
      'gerrit_key'                   => $germqtt::key_file,
      'gerrit_known_hosts'           => $germqtt::known_hosts_file,
      'gerrit_host_key_fingerprint'  => $germqtt::gerrit_host_key_fingerprint,
      'gerrit_key_passphrase'        => $germqtt::gerrit_key_passphrase,
      'gerrit_key_passphrase_file'   => $germqtt::gerrit_key_passphrase_file,
      'gerrit_insecure_any_host_key' => $germqtt::gerrit_insecure_any_host_key,
      'gerrit_event_types'           => $germqtt::gerrit_event_types,
      'gerrit_connect_timeout'       => $germqtt::gerrit_connect_timeout,
      'gerrit_keepalive'             => $germqtt::gerrit_keepalive,
      'gerrit_liveness_interval'     => $germqtt::gerrit_liveness_interval,
      'gerrit_max_event_size'        => $germqtt::gerrit_max_event_size,
      'gerrit_retry_initial'         => $germqtt::gerrit_retry_initial,
      'gerrit_retry_max'             => $germqtt::gerrit_retry_max,
      'gerrit_http_url'              => $germqtt::gerrit_http_url,
      'gerrit_http_username'         => $germqtt::gerrit_http_username,
      'gerrit_http_password'         => $germqtt::gerrit_http_password,
      'gerrit_http_password_file'    => $germqtt::gerrit_http_password_file,
      'gerrit_events_log_timezone'   => $germqtt::gerrit_events_log_timezone,
      'gerrit_catch_up_max'          => $germqtt::gerrit_catch_up_max,
      'mqtt_hostname'                => $germqtt::mqtt_hostname,
      'mqtt_port'                    => $germqtt::mqtt_port,
      'mqtt_transport'               => $germqtt::mqtt_transport,
      'mqtt_websocket_path'          => $germqtt::mqtt_websocket_path,
      'mqtt_protocol'                => $germqtt::mqtt_protocol,
      'mqtt_tls'                     => $germqtt::mqtt_tls,
      'mqtt_ca_certs'                => $germqtt::mqtt_ca_certs,
      'mqtt_certfile'                => $germqtt::mqtt_certfile,
      'mqtt_keyfile'                 => $germqtt::mqtt_keyfile,
      'mqtt_tls_insecure'            => $germqtt::mqtt_tls_insecure,
      'mqtt_topic'                   => $germqtt::mqtt_topic,
      'mqtt_keepalive'               => $germqtt::mqtt_keepalive,
      'mqtt_username'                => $germqtt::mqtt_username,
      'mqtt_password'                => $germqtt::mqtt_password,
      'mqtt_password_file'           => $germqtt::mqtt_password_file,
      'mqtt_status_topic'            => $germqtt::mqtt_status_topic,
      'mqtt_qos'                     => $germqtt::mqtt_qos,
      'mqtt_client_id'               => $germqtt::mqtt_client_id,
      'mqtt_max_inflight'            => $germqtt::mqtt_max_inflight,
      'mqtt_connect_timeout'         => $germqtt::mqtt_connect_timeout,
      'mqtt_publish_timeout'         => $germqtt::mqtt_publish_timeout,
      'mqtt_max_packet_size'         => $germqtt::mqtt_max_packet_size,
      'mqtt_retry_initial'           => $germqtt::mqtt_retry_initial,
      'mqtt_retry_max'               => $germqtt::mqtt_retry_max,
      'filter_include_projects'      => $germqtt::filter_include_projects,
      'filter_exclude_projects'      => $germqtt::filter_exclude_projects,
      'filter_exclude_refs'          => $germqtt::filter_exclude_refs,
      'filter_publish_private'       => $germqtt::filter_publish_private,
      'filter_redact_fields'         => $germqtt::filter_redact_fields,
  })

  # Sensitive keeps the passwords and the key passphrase out of logs, reports and the catalog diff.
  $has_secret = [$germqtt::mqtt_password, $germqtt::gerrit_key_passphrase, $germqtt::gerrit_http_password].any |$s| { $s =~ NotUndef }
  $ini_content = $has_secret ? {
    true    => Sensitive($ini),
    default => $ini,
  }
  $validate_cmd = $germqtt::validate_config ? {
    true    => $germqtt::validate_command,
    default => undef,
  }

  file { $germqtt::config_file:
    ensure       => file,
    owner        => 'root',
    group        => $germqtt::group,
    mode         => '0640',
    show_diff    => false,
    backup       => false,
    content      => $ini_content,
    validate_cmd => $validate_cmd,
    # The check opens the key and known_hosts, and runs the installed binary.
    require      => [File[$germqtt::key_file], File[$germqtt::known_hosts_file]],
  }

  file { $germqtt::unit_file:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => epp('germqtt/germqtt.service.epp', {
        'binary_path'               => $germqtt::binary_path,
        'config_file'               => $germqtt::config_file,
        'user'                      => $germqtt::user,
        'group'                     => $germqtt::group,
        'memory_deny_write_execute' => $germqtt::memory_deny_write_execute,
        'watchdog_sec'              => $germqtt::watchdog_sec,
        'load_credentials'          => $germqtt::load_credentials,
        'state_directory'           => $state_dir,
    }),
  }
}
