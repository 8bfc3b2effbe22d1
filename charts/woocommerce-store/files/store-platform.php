<?php
/**
 * Plugin Name: Store Platform
 * Description: Sends the store's mail through the SMTP relay configured in the chart values (read from
 * the environment, so nothing is stored in the database). Managed by the woocommerce-store chart.
 */

if ( getenv( 'STORE_SMTP_HOST' ) ) {
	add_action(
		'phpmailer_init',
		static function ( $mailer ) {
			$mailer->isSMTP();
			$mailer->Host       = (string) getenv( 'STORE_SMTP_HOST' );
			$mailer->Port       = (int) getenv( 'STORE_SMTP_PORT' );
			$mailer->SMTPSecure = 'ssl' === getenv( 'STORE_SMTP_ENCRYPTION' ) ? 'ssl' : 'tls';
			$user               = (string) getenv( 'STORE_SMTP_USER' );
			if ( '' !== $user ) {
				$mailer->SMTPAuth = true;
				$mailer->Username = $user;
				$mailer->Password = (string) getenv( 'STORE_SMTP_PASSWORD' );
			}
		}
	);
	$store_platform_from = static function ( $from ) {
		return getenv( 'STORE_SMTP_FROM' ) ?: $from;
	};
	add_filter( 'wp_mail_from', $store_platform_from );
	add_filter( 'woocommerce_email_from_address', $store_platform_from );
	add_filter(
		'wp_mail_from_name',
		static function ( $name ) {
			return getenv( 'STORE_SMTP_FROM_NAME' ) ?: $name;
		}
	);
}
