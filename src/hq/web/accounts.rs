//! 账号: the quality office gives colleagues their accounts, resets a forgotten password
//! and disables the account of someone who left, as `hq add-account` / `hq disable-account`
//! do; and everyone changes their own password. A password the office sets is made here
//! and shown once, for the colleague to change at their first sign-in.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::{DeskError, SignedIn, check_csrf, render, signed_in};
use crate::domain::intake::Lang;
use crate::hq::Hq;
use crate::hq::accounts::{Account, HqRole, hash_password, new_password, password_matches};
use crate::store::StoreError;

pub struct Row {
    name: String,
    role: &'static str,
    estates: String,
    disabled: bool,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    who: Account,
    csrf: String,
    problem: Option<String>,
    /// An account and the password just made for it, shown this once.
    new_password: Option<(String, String)>,
    rows: Vec<Row>,
    roles: Vec<(&'static str, &'static str)>,
}

fn only_quality_office(who: &SignedIn) -> Result<(), DeskError> {
    if who.account.role.manages_accounts() {
        Ok(())
    } else {
        Err(DeskError::Forbidden("只有全质办管理账号 Only the quality office manages accounts".into()))
    }
}

async fn page(
    hq: &Hq,
    who: SignedIn,
    problem: Option<String>,
    new_password: Option<(String, String)>,
) -> Result<Response, DeskError> {
    let rows = hq
        .db
        .accounts()
        .await?
        .into_iter()
        .map(|a| Row {
            is_me: a.name == who.account.name,
            role: a.role.name(Lang::ZhCn),
            estates: a.estates.join("、"),
            disabled: a.disabled,
            name: a.name,
        })
        .collect();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AccountsPage {
        who: who.account,
        csrf: who.csrf,
        problem,
        new_password,
        rows,
        roles: HqRole::ALL.iter().map(|r| (r.code(), r.name(Lang::ZhCn))).collect(),
    };
    Ok((status, render(page)?).into_response())
}

pub async fn list(State(hq): State<Hq>, headers: HeaderMap) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    only_quality_office(&who)?;
    page(&hq, who, None, None).await
}

/// Argon2id is slow on purpose: off the async threads.
async fn hashed(password: String) -> Result<String, DeskError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| DeskError::Store(StoreError::BadRecord(format!("hashing a password failed: {e}"))))?
        .map_err(|e| DeskError::Invalid(e.to_string()))
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    name: String,
    role: String,
    #[serde(default)]
    estates: String,
}

pub async fn add(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    only_quality_office(&who)?;
    let estates: Vec<String> = form.estates.split([',', '，', '、']).map(str::to_string).collect();
    let account = match form.role.parse::<HqRole>().and_then(|role| Account::new(&form.name, role, &estates))
    {
        Ok(account) => account,
        Err(e) => return page(&hq, who, Some(e.to_string()), None).await,
    };
    if hq.db.account(&account.name).await?.is_some() {
        let problem = format!(
            "已有账号 {} An account {} exists: reset its password instead",
            account.name, account.name
        );
        return page(&hq, who, Some(problem), None).await;
    }
    let password = new_password();
    hq.db.save_account(&account, &hashed(password.clone()).await?, Utc::now()).await?;
    tracing::info!(by = who.account.name, account = account.name, role = %account.role, "HQ desk: account added");
    page(&hq, who, None, Some((account.name, password))).await
}

#[derive(Deserialize)]
pub struct NameForm {
    csrf: String,
    name: String,
}

/// A new password for someone who forgot theirs: their sessions end, the account is
/// enabled again.
pub async fn reset(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<NameForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    only_quality_office(&who)?;
    let Some((account, _)) = hq.db.account(form.name.trim()).await? else { return Err(DeskError::NotFound) };
    let password = new_password();
    let hash = hashed(password.clone()).await?;
    hq.db.disable_account(&account.name, Utc::now()).await?;
    hq.db.save_account(&account, &hash, Utc::now()).await?;
    tracing::info!(by = who.account.name, account = account.name, "HQ desk: password reset");
    page(&hq, who, None, Some((account.name, password))).await
}

pub async fn disable(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<NameForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    only_quality_office(&who)?;
    if form.name.trim() == who.account.name {
        let problem = "不能停用自己的账号 You cannot disable your own account".to_string();
        return page(&hq, who, Some(problem), None).await;
    }
    if !hq.db.disable_account(form.name.trim(), Utc::now()).await? {
        return Err(DeskError::NotFound);
    }
    tracing::info!(by = who.account.name, account = form.name.trim(), "HQ desk: account disabled");
    page(&hq, who, None, None).await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    who: Account,
    csrf: String,
    problem: Option<String>,
    changed: bool,
}

pub async fn password_form(State(hq): State<Hq>, headers: HeaderMap) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    let page = PasswordPage { who: who.account, csrf: who.csrf, problem: None, changed: false };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(hq): State<Hq>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, DeskError> {
    let who = signed_in(&hq, &headers).await?;
    check_csrf(&who, &form.csrf)?;
    let refuse = |who: SignedIn, problem: &str| -> Result<Response, DeskError> {
        let page = PasswordPage {
            who: who.account,
            csrf: who.csrf,
            problem: Some(problem.to_string()),
            changed: false,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
    };
    let now = Utc::now();
    let since = now - chrono::Duration::minutes(super::LOCKOUT_MINUTES);
    if hq.db.sign_in_failures(&who.account.name, since).await? >= super::MAX_FAILURES {
        return refuse(who, "密码错误次数过多，请稍后再试 Too many wrong passwords: try again later");
    }
    let Some((account, hash)) = hq.db.account(&who.account.name).await? else {
        return Err(DeskError::SignIn);
    };
    let current = form.current.clone();
    let matches =
        tokio::task::spawn_blocking(move || password_matches(&current, &hash)).await.unwrap_or(false);
    if !matches {
        hq.db.note_sign_in(&account.name, false, now).await?;
        return refuse(who, "当前密码不对 The current password is wrong");
    }
    if form.new != form.repeat {
        return refuse(who, "两次输入的新密码不一致 The new passwords differ");
    }
    let hash = match hashed(form.new.clone()).await {
        Ok(hash) => hash,
        Err(DeskError::Invalid(why)) => return refuse(who, &format!("新密码不可用 {why}")),
        Err(e) => return Err(e),
    };
    hq.db.save_account(&account, &hash, now).await?;
    tracing::info!(account = account.name, "HQ desk: password changed");
    let page = PasswordPage { who: who.account, csrf: who.csrf, problem: None, changed: true };
    Ok(render(page)?.into_response())
}
