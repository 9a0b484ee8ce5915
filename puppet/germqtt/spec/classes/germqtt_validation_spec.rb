# frozen_string_literal: true

require 'spec_helper'

# What the class refuses to compile: wrong types, plain-string secrets and the combinations
# germqtt --check-config would reject anyway, caught before any file is written.
describe 'germqtt' do
  include_context 'germqtt required parameters'

  context 'with a plain-string MQTT password' do
    let(:params) { required.merge(mqtt_username: 'germqtt', mqtt_password: 'plain') }

    it { is_expected.to compile.and_raise_error(%r{mqtt_password.*Sensitive}) }
  end

  context 'with a plain-string key passphrase' do
    let(:params) { required.merge(gerrit_key_passphrase: 'plain') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_key_passphrase.*Sensitive}) }
  end

  context 'with a plain-string SSH key' do
    let(:params) { required.merge(gerrit_ssh_key: 'plain') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_ssh_key.*Sensitive}) }
  end

  context 'with a password but no user name' do
    let(:params) { required.merge(mqtt_password: sensitive('pw')) }

    it { is_expected.to compile.and_raise_error(%r{mqtt_username}) }
  end

  context 'with a password file but no user name' do
    let(:params) { required.merge(mqtt_password_file: '/etc/germqtt/mqtt_password') }

    it { is_expected.to compile.and_raise_error(%r{mqtt_password_file is set but mqtt_username is not}) }
  end

  context 'with both an MQTT password and a password file' do
    let(:params) { required.merge(mqtt_username: 'germqtt', mqtt_password: sensitive('pw'), mqtt_password_file: '/etc/germqtt/pw') }

    it { is_expected.to compile.and_raise_error(%r{mqtt_password or mqtt_password_file, not both}) }
  end

  context 'with both a key passphrase and a passphrase file' do
    let(:params) { required.merge(gerrit_key_passphrase: sensitive('pp'), gerrit_key_passphrase_file: '/etc/germqtt/pp') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_key_passphrase or gerrit_key_passphrase_file, not both}) }
  end

  context 'with a plain-string HTTP password' do
    let(:params) { required.merge(gerrit_http_url: 'https://review.example.org', gerrit_http_password: 'plain') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_http_password.*Sensitive}) }
  end

  {
    gerrit_http_username: 'events-reader',
    gerrit_http_password: 'SENSITIVE',
    gerrit_http_password_file: '/etc/germqtt/http_password',
    gerrit_events_log_timezone: 'UTC',
    gerrit_catch_up_max: 3600,
  }.each do |param, value|
    context "with #{param} but no gerrit_http_url" do
      let(:params) { required.merge(param => value == 'SENSITIVE' ? sensitive('pw') : value) }

      it { is_expected.to compile.and_raise_error(%r{#{param} set but gerrit_http_url is not}) }
    end
  end

  context 'with gerrit_http_url but no HTTP password' do
    let(:params) { required.merge(gerrit_http_url: 'https://review.example.org') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_http_url needs gerrit_http_password or gerrit_http_password_file}) }
  end

  context 'with both an HTTP password and a password file' do
    let(:params) do
      required.merge(gerrit_http_url: 'https://review.example.org', gerrit_http_password: sensitive('pw'),
                     gerrit_http_password_file: '/etc/germqtt/http_password')
    end

    it { is_expected.to compile.and_raise_error(%r{gerrit_http_password or gerrit_http_password_file, not both}) }
  end

  context 'with the HTTP password file in $CREDENTIALS_DIRECTORY and the default validate_command' do
    let(:params) { required.merge(gerrit_http_url: 'https://review.example.org', gerrit_http_password_file: '$CREDENTIALS_DIRECTORY/http_password') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_http_password_file in \$CREDENTIALS_DIRECTORY.*validate_command}) }
  end

  # Web URLs germqtt would refuse: no scheme, another scheme, a user (the password would follow), a query.
  [
    'review.example.org', 'ftp://review.example.org', 'https://germqtt:pw@review.example.org',
    'https://review.example.org/?q=1', 'https://review.example.org/#/q',
  ].each do |url|
    context "with gerrit_http_url => #{url.inspect}" do
      let(:params) { required.merge(gerrit_http_url: url, gerrit_http_password: sensitive('pw')) }

      it { is_expected.to compile.and_raise_error(%r{gerrit_http_url}) }
    end
  end

  context 'with a client certificate but no key' do
    let(:params) { required.merge(mqtt_tls: true, mqtt_certfile: '/etc/germqtt/client.crt') }

    it { is_expected.to compile.and_raise_error(%r{mqtt_certfile and mqtt_keyfile go together}) }
  end

  context 'with a client key but no certificate' do
    let(:params) { required.merge(mqtt_tls: true, mqtt_keyfile: '/etc/germqtt/client.key') }

    it { is_expected.to compile.and_raise_error(%r{mqtt_certfile and mqtt_keyfile go together}) }
  end

  {
    'a CA file' => { mqtt_ca_certs: '/etc/germqtt/ca.crt' },
    'a client certificate' => { mqtt_certfile: '/etc/germqtt/client.crt', mqtt_keyfile: '/etc/germqtt/client.key' },
    'tls_insecure' => { mqtt_tls_insecure: true },
  }.each do |what, tls_params|
    [nil, false].each do |tls|
      context "with #{what} and mqtt_tls #{tls.inspect}" do
        let(:params) { required.merge(tls_params).merge(tls.nil? ? {} : { mqtt_tls: tls }) }

        it { is_expected.to compile.and_raise_error(%r{need mqtt_tls => true}) }
      end
    end
  end

  context 'with tls_insecure false and no TLS (germqtt accepts it)' do
    let(:params) { required.merge(mqtt_tls_insecure: false) }

    it { is_expected.to compile.with_all_deps }
  end

  context 'with a secret file in $CREDENTIALS_DIRECTORY and the default validate_command' do
    let(:params) { required.merge(gerrit_key_passphrase_file: '$CREDENTIALS_DIRECTORY/key_passphrase') }

    it { is_expected.to compile.and_raise_error(%r{gerrit_key_passphrase_file in \$CREDENTIALS_DIRECTORY.*validate_command}) }
  end

  context 'with a secret file in $CREDENTIALS_DIRECTORY and no validation' do
    let(:params) { required.merge(gerrit_key_passphrase_file: '$CREDENTIALS_DIRECTORY/key_passphrase', validate_config: false) }

    it { is_expected.to compile.with_all_deps }
  end

  context 'without the Gerrit host key' do
    let(:params) { required.reject { |k, _| k == :gerrit_host_key } }

    it { is_expected.to compile.and_raise_error(%r{gerrit_host_key}) }
  end

  context 'with a host key that is not TYPE BASE64' do
    let(:params) { required.merge(gerrit_host_key: "[review.example.org]:29418 #{HOST_KEY}") }

    it { is_expected.to compile.and_raise_error(%r{gerrit_host_key}) }
  end

  # Values germqtt would reject or misread (lists are split at commas and blanks).
  {
    mqtt_topic: 'gerrit/#',
    mqtt_status_topic: 'status/+/x',
    gerrit_key_passphrase_file: 'relative/passphrase',
    mqtt_password_file: '$CREDENTIALS_DIRECTORY/',
    gerrit_event_types: ['patchset created'],
    mqtt_transport: 'ws',
    mqtt_websocket_path: 'mqtt',
    mqtt_protocol: '3.1',
    mqtt_tls: 'yes',
    mqtt_ca_certs: 'ca.crt',
    filter_include_projects: ['openstack/nova,openstack/neutron'],
    filter_exclude_projects: [],
    filter_exclude_refs: ['refs/meta/ *'],
    filter_publish_private: 'true',
    filter_redact_fields: ['"email"'],
    gerrit_events_log_timezone: 'Central European Time',
    gerrit_catch_up_max: 0,
    state_file: 'var/lib/germqtt/state',
  }.each do |param, value|
    context "with #{param} => #{value.inspect}" do
      let(:params) { required.merge(mqtt_username: 'germqtt', param => value) }

      it { is_expected.to compile.and_raise_error(%r{#{param}}) }
    end
  end

  context 'with a watchdog interval of zero' do
    let(:params) { required.merge(watchdog_sec: 0) }

    it { is_expected.to compile.and_raise_error(%r{watchdog_sec}) }
  end

  context 'installed from a file without binary_source' do
    let(:params) { required.merge(install_method: 'file') }

    it { is_expected.to compile.and_raise_error(%r{binary_source}) }
  end
end
