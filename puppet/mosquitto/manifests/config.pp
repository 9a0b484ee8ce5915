# @summary Writes mosquitto.conf, the password file, the ACL and the TLS files (private).
#
# @api private
class mosquitto::config {
  assert_private()

  $tls = $mosquitto::tls_cert =~ NotUndef
  $tls_ca_path = $mosquitto::tls_ca ? {
    undef   => undef,
    default => $mosquitto::tls_ca_path,
  }

  $http_dir = $mosquitto::serve_page ? {
    true    => $mosquitto::page_dir,
    default => undef,
  }

  file { $mosquitto::config_dir:
    ensure => directory,
  }

  file { $mosquitto::config_file:
    ensure  => file,
    owner   => $mosquitto::owner,
    group   => $mosquitto::group,
    mode    => '0640',
    content => epp('mosquitto/mosquitto.conf.epp', {
        'password_file'                => $mosquitto::password_file,
        'acl_file'                     => $mosquitto::acl_file,
        'run_as_user'                  => $mosquitto::run_as_user,
        'listen_address'               => $mosquitto::listen_address,
        'port'                         => $mosquitto::port,
        'websockets_port'              => $mosquitto::websockets_port,
        'tls'                          => $tls,
        'tls_port'                     => $mosquitto::tls_port,
        'tls_websockets_port'          => $mosquitto::tls_websockets_port,
        'tls_ca_path'                  => $tls_ca_path,
        'tls_cert_path'                => $mosquitto::tls_cert_path,
        'tls_key_path'                 => $mosquitto::tls_key_path,
        'persistence'                  => $mosquitto::persistence,
        'persistence_location'         => $mosquitto::persistence_location,
        'log_dest'                     => $mosquitto::log_dest,
        'log_file'                     => $mosquitto::log_file,
        'log_types'                    => $mosquitto::log_types,
        'connection_messages'          => $mosquitto::connection_messages,
        'persistent_client_expiration' => $mosquitto::persistent_client_expiration,
        'max_queued_messages'          => $mosquitto::max_queued_messages,
        'max_queued_bytes'             => $mosquitto::max_queued_bytes,
        'max_connections'              => $mosquitto::max_connections,
        'set_tcp_nodelay'              => $mosquitto::set_tcp_nodelay,
        'http_dir'                     => $http_dir,
    }),
  }

  if $mosquitto::serve_page {
    # World-readable: the broker reads it after dropping privileges, and it is public anyway.
    # purge: a file removed from the module disappears from the site too.
    file { $mosquitto::page_dir:
      ensure  => directory,
      source  => 'puppet:///modules/mosquitto/www',
      recurse => true,
      purge   => true,
      force   => true,
      owner   => $mosquitto::owner,
      group   => $mosquitto::group,
      mode    => '0644',
    }
  }

  # Hashed here with a salt derived from user, seed and password: the same input gives the same
  # file, so this is an ordinary idempotent file resource (mosquitto_passwd would draw a new salt
  # every run). The clear passwords stay Sensitive throughout.
  $password_hashes = $mosquitto::publishers.map |$user, $publisher| {
    [$user, mosquitto::password_hash($publisher['password'], "${user}@${mosquitto::password_salt_seed}")]
  }.convert_to(Hash)

  file { $mosquitto::password_file:
    ensure    => file,
    owner     => $mosquitto::owner,
    group     => $mosquitto::group,
    mode      => '0640',
    show_diff => false,
    backup    => false,
    content   => Sensitive(epp('mosquitto/passwd.epp', { 'hashes' => $password_hashes })),
  }

  file { $mosquitto::acl_file:
    ensure  => file,
    owner   => $mosquitto::owner,
    group   => $mosquitto::group,
    mode    => '0640',
    content => epp('mosquitto/acl.epp', {
        'topics'                       => $mosquitto::publishers.map |$user, $publisher| {
          [$user, $publisher.dig('topics').lest || { ['#'] }]
        }.convert_to(Hash),
    }),
  }

  if $tls {
    # The certificates' directories (/etc/mosquitto/certs by default), unless managed above.
    $tls_paths = [$mosquitto::tls_ca_path, $mosquitto::tls_cert_path, $mosquitto::tls_key_path]
    $tls_dirs = $tls_paths.map |$p| { $p.regsubst(/\/[^\/]+\/?\z/, '') }.unique
    $tls_dirs.filter |$d| { !($d in ['', $mosquitto::config_dir]) }.each |$d| {
      file { $d:
        ensure => directory,
      }
    }

    if $mosquitto::tls_ca {
      file { $mosquitto::tls_ca_path:
        ensure  => file,
        owner   => $mosquitto::owner,
        group   => $mosquitto::group,
        mode    => '0644',
        content => $mosquitto::tls_ca,
      }
    }

    file { $mosquitto::tls_cert_path:
      ensure  => file,
      owner   => $mosquitto::owner,
      group   => $mosquitto::group,
      mode    => '0644',
      content => $mosquitto::tls_cert,
    }

    file { $mosquitto::tls_key_path:
      ensure    => file,
      owner     => $mosquitto::owner,
      group     => $mosquitto::group,
      mode      => '0640',
      show_diff => false,
      backup    => false, # no copies of the key in a filebucket, whatever the site's File defaults
      content   => $mosquitto::tls_key,
    }
  }
}
